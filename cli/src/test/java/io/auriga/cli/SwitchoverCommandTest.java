package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.Secret;
import io.auriga.core.admin.AdminControl;
import io.auriga.core.admin.AdminServer;
import io.auriga.core.admin.Metrics;
import io.auriga.core.failover.SwitchoverResult;
import io.auriga.core.failover.SwitchoverResult.Outcome;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command against a real admin listener whose proxy side answers as a cluster would. */
class SwitchoverCommandTest {
    private static final List<String> ASKED = new CopyOnWriteArrayList<>();
    private static EventLoopGroup group;
    private static AdminServer admin;

    private static final String TOKEN = "switchover-command-admin-token";
    private Map<String, String> env = Map.of(AdminApi.TOKEN_ENV, TOKEN);
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startAdmin() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AdminControl control = new AdminControl() {
            @Override
            public InProgress inProgress(String cluster) {
                return null;
            }

            @Override
            public CompletableFuture<SwitchoverResult> switchover(String cluster, String target) {
                ASKED.add(cluster + "->" + target);
                if ("pg3".equals(target)) {
                    return CompletableFuture.completedFuture(SwitchoverResult.refused(cluster, Outcome.CONFLICT,
                            "pg3 is marked no-failover and is never promoted"));
                }
                return CompletableFuture.completedFuture(new SwitchoverResult(cluster, Outcome.COMPLETED, "pg1",
                        "pg2", 212, 2480, "replica", "switched over from pg1 to pg2", List.of(
                        new SwitchoverResult.Step("hold", 0, "3 writer session(s)"),
                        new SwitchoverResult.Step("promote", 120, "pg2 accepts writes"))));
            }
        };
        admin = new AdminServer(group, new AdminConfig("127.0.0.1", 0).withToken(new Secret(TOKEN, "test")), List::of,
                new Metrics(), control);
        admin.start();
    }

    @AfterAll
    static void stopAdmin() {
        admin.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void printsTheOutcomeOfACompletedSwitchover() {
        int exit = run("--cluster", "main", "--admin", "127.0.0.1:" + admin.port());

        assertEquals(0, exit, err.toString());
        assertTrue(ASKED.contains("main->null"), "without --to the proxy chooses: " + ASKED);
        assertEquals("""
                Cluster main: switched over from pg1 to pg2
                  writes held for 212 ms, 2480 ms in all
                  pg1 is now a replica of pg2
                  steps:
                    hold         0 ms  3 writer session(s)
                    promote    120 ms  pg2 accepts writes
                """, out.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void withoutTheTokenNothingIsAskedOfTheProxy() {
        env = Map.of();
        int before = ASKED.size();

        assertEquals(1, run("--cluster", "main", "--admin", "127.0.0.1:" + admin.port()));

        assertTrue(err.toString().contains("answered HTTP 401"), err.toString());
        assertTrue(err.toString().contains("--admin-token-file FILE or AURIGA_ADMIN_TOKEN"), err.toString());
        assertEquals(before, ASKED.size(), "no switchover was started");
    }

    @Test
    void aRefusalIsExitOneWithTheReason() {
        int exit = run("--cluster", "main", "--to", "pg3", "--admin", "http://127.0.0.1:" + admin.port());

        assertEquals(1, exit);
        assertTrue(err.toString().contains("conflict: pg3 is marked no-failover"), err.toString());
    }

    @Test
    void unreachableAdminIsExitOneAndAMissingClusterIsAUsageError() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        assertEquals(1, run("--cluster", "main", "--admin", "http://127.0.0.1:" + port));
        assertTrue(err.toString().contains("connection refused"), err.toString());
        assertEquals(2, run("--admin", "http://127.0.0.1:" + port));
        assertTrue(err.toString().contains("--cluster"), err.toString());
    }

    private int run(String... args) {
        SwitchoverCommand switchover = new SwitchoverCommand();
        switchover.env = env;
        CommandLine command = new CommandLine(switchover);
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }
}
