package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.Engine;
import io.auriga.config.Secret;
import io.auriga.core.admin.AdminControl;
import io.auriga.config.InstanceConfig;
import io.auriga.core.admin.AdminServer;
import io.auriga.core.admin.Metrics;
import io.auriga.core.admin.TopologyJson;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StatusCommandTest {
    static final String TOKEN = "status-command-admin-token";
    private static final Instant AT = Instant.parse("2026-03-01T12:00:00Z");
    private static EventLoopGroup group;
    private static AdminServer admin;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startAdmin() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Topology main = new Topology("main", Engine.POSTGRES, 4, List.of(
                instance("pg1", 5432, Role.REPLICA, 15_250, null),
                instance("pg2", 5433, Role.PRIMARY, 0, null),
                instance("pg3", 5434, Role.FENCED, -1, "fenced after failover")), AT);
        Topology shop = new Topology("shop", Engine.MYSQL, 1, List.of(instance("my1", 3306, Role.DOWN, -1, null)), AT);
        admin = new AdminServer(group, new AdminConfig("127.0.0.1", 0).withToken(new Secret(TOKEN, "test")),
                () -> List.of(main, shop), new Metrics(), AdminControl.NONE);
        admin.start();
    }

    @AfterAll
    static void stopAdmin() {
        admin.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @TempDir
    Path dir;

    /** The token from the environment, as the tests below take it unless they say otherwise. */
    private Map<String, String> env = Map.of(AdminApi.TOKEN_ENV, TOKEN);

    @Test
    void printsATablePerCluster() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");
        env = Map.of(AdminApi.TOKEN_ENV, "not-the-token-the-file-wins");
        int exit = run("--admin", "http://127.0.0.1:" + admin.port(), "--admin-token-file", tokenFile.toString());

        assertEquals(0, exit, err.toString());
        assertEquals("""
                Cluster main (postgres)  epoch 4
                  NAME  ROLE     HOST:PORT       LAG    ERROR
                  pg1   replica  127.0.0.1:5432  15.3s
                  pg2   primary  127.0.0.1:5433  -
                  pg3   fenced   127.0.0.1:5434  -      fenced after failover

                Cluster shop (mysql)  epoch 1
                  warning: no primary, writes cannot be served
                  NAME  ROLE  HOST:PORT       LAG
                  my1   down  127.0.0.1:3306  -
                """, out.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void acceptsHostAndPortWithoutScheme() {
        assertEquals(0, run("--admin", "127.0.0.1:" + admin.port() + "/"), err.toString());
        assertTrue(out.toString().contains("Cluster main (postgres)  epoch 4"));
    }

    @Test
    void unreachableAdminIsExitOneWithAClearMessage() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }

        int exit = run("--admin", "http://127.0.0.1:" + port);

        assertEquals(1, exit);
        assertEquals("", out.toString());
        assertTrue(err.toString().startsWith("auriga status: cannot reach the admin API at http://127.0.0.1:" + port
                + "/topology: connection refused"), err.toString());
    }

    @Test
    void somethingOtherThanTheAdminApiIsExitOne() {
        int exit = run("--admin", "http://127.0.0.1:" + admin.port() + "/nothing-here");

        assertEquals(1, exit);
        assertTrue(err.toString().contains("answered HTTP 404"), err.toString());
    }

    @Test
    void withoutTheTokenTheOperatorIsToldWhereToPutIt() {
        env = Map.of();
        assertEquals(1, run("--admin", "127.0.0.1:" + admin.port()));
        assertTrue(err.toString().contains("answered HTTP 401") && err.toString().contains(
                "Pass the admin token with --admin-token-file FILE or AURIGA_ADMIN_TOKEN"), err.toString());
        env = Map.of(AdminApi.TOKEN_ENV, "a-wrong-admin-token-value");
        assertEquals(1, run("--admin", "127.0.0.1:" + admin.port()));
        assertTrue(err.toString().contains("The admin token was not accepted"), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void anUnreadableOrEmptyTokenFileIsAUsageError() throws Exception {
        assertEquals(2, run("--admin", "127.0.0.1:" + admin.port(), "--admin-token-file", dir.resolve("nope").toString()));
        assertTrue(err.toString().contains("Cannot read --admin-token-file " + dir.resolve("nope")), err.toString());
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertEquals(2, run("--admin", "127.0.0.1:" + admin.port(), "--admin-token-file", empty.toString()));
        assertTrue(err.toString().contains("--admin-token-file " + empty + " is empty"), err.toString());
    }

    @Test
    void badUrlIsAUsageError() {
        assertEquals(2, run("--admin", "ftp://x"));
        assertTrue(err.toString().contains("Invalid --admin URL 'ftp://x'"), err.toString());
    }

    @Test
    void formatsLag() {
        assertEquals("0ms", StatusCommand.lag(view("replica", 0)));
        assertEquals("9999ms", StatusCommand.lag(view("replica", 9_999)));
        assertEquals("12.0s", StatusCommand.lag(view("replica", 12_000)));
        assertEquals("12m05s", StatusCommand.lag(view("replica", 725_000)));
        assertEquals("-", StatusCommand.lag(view("replica", -1)));
        assertEquals("-", StatusCommand.lag(view("primary", 0)));
    }

    private int run(String... args) {
        StatusCommand status = new StatusCommand();
        status.env = env;
        CommandLine command = new CommandLine(status);
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }

    private static TopologyJson.InstanceView view(String role, long lag) {
        return new TopologyJson.InstanceView("x", "h", 1, role, lag, -1, null, null);
    }

    private static InstanceState instance(String name, int port, Role role, long lag, String error) {
        return new InstanceState(new InstanceConfig(name, "127.0.0.1", port, 0, false), role, -1, lag, AT, error);
    }
}
