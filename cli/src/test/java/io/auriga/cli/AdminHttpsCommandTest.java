package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.AdminTlsConfig;
import io.auriga.config.Engine;
import io.auriga.config.InstanceConfig;
import io.auriga.core.admin.AdminControl;
import io.auriga.core.admin.AdminServer;
import io.auriga.core.admin.Metrics;
import io.auriga.core.failover.SwitchoverResult;
import io.auriga.core.failover.SwitchoverResult.Outcome;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code auriga status} and {@code auriga switchover} against a running admin listener that speaks
 * HTTPS and takes client certificates from its own authority (material from {@link CertificateAuthority}).
 */
class AdminHttpsCommandTest {
    private static final List<String> ASKED = new CopyOnWriteArrayList<>();
    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static AdminServer admin;
    private static TlsFiles server;
    private static Path opsCert;
    private static Path opsKey;
    private static Path strangerCert;
    private static Path strangerKey;

    private Map<String, String> env = Map.of();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startAdmin() throws Exception {
        server = CertificateAuthority.ensure(dir.resolve("server"), List.of("127.0.0.1", "localhost"));
        Path clientCa = CertificateAuthority.ensure(dir.resolve("clients"), List.of("clients.invalid")).caCert();
        opsCert = dir.resolve("ops.crt");
        opsKey = dir.resolve("ops.key");
        CertificateAuthority.issueClient(dir.resolve("clients"), "ops", opsCert, opsKey, Clock.systemUTC());
        CertificateAuthority.ensure(dir.resolve("other"), List.of("other.invalid"));
        strangerCert = dir.resolve("stranger.crt");
        strangerKey = dir.resolve("stranger.key");
        CertificateAuthority.issueClient(dir.resolve("other"), "ops", strangerCert, strangerKey, Clock.systemUTC());

        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Instant at = Instant.parse("2026-03-01T12:00:00Z");
        Topology main = new Topology("main", Engine.POSTGRES, 2, List.of(
                new InstanceState(new InstanceConfig("pg1", "127.0.0.1", 5432, 0, false), Role.PRIMARY, -1, 0, at, null)),
                at);
        AdminControl control = new AdminControl() {
            @Override
            public InProgress inProgress(String cluster) {
                return null;
            }

            @Override
            public CompletableFuture<SwitchoverResult> switchover(String cluster, String target) {
                ASKED.add(cluster + "->" + target);
                return CompletableFuture.completedFuture(new SwitchoverResult(cluster, Outcome.COMPLETED, "pg1", "pg2",
                        10, 20, "replica", "switched over from pg1 to pg2", List.of()));
            }
        };
        admin = new AdminServer(group, new AdminConfig("127.0.0.1", 0)
                .withTls(new AdminTlsConfig(server.serverCert(), server.serverKey(), clientCa)),
                () -> List.of(main), new Metrics(), control);
        admin.start();
    }

    @AfterAll
    static void stopAdmin() {
        admin.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void statusAndSwitchoverPresentTheClientCertificate() {
        int status = status("--admin", https(), "--admin-ca", server.caCert().toString(),
                "--admin-cert", opsCert.toString(), "--admin-key", opsKey.toString());
        assertEquals(0, status, err.toString());
        assertTrue(out.toString().contains("Cluster main (postgres)  epoch 2"), out.toString());

        int switchover = switchover("--cluster", "main", "--to", "pg2", "--admin", https(), "--admin-ca",
                server.caCert().toString(), "--admin-cert", opsCert.toString(), "--admin-key", opsKey.toString());
        assertEquals(0, switchover, err.toString());
        assertTrue(out.toString().contains("Cluster main: switched over from pg1 to pg2"), out.toString());
        assertTrue(ASKED.contains("main->pg2"), ASKED.toString());
    }

    @Test
    void theFilesMayComeFromTheEnvironment() {
        env = Map.of(AdminTlsOptions.CA_ENV, server.caCert().toString(), AdminTlsOptions.CERT_ENV, opsCert.toString(),
                AdminTlsOptions.KEY_ENV, opsKey.toString());
        assertEquals(0, status("--admin", https()), err.toString());
        assertEquals(1, status("--admin", "http://127.0.0.1:" + admin.port()), "not a usage error: the "
                + "environment's files are for https:// URLs and are left out of a plain one");
        assertTrue(err.toString().contains("answered HTTP 400"), err.toString());
    }

    @Test
    void withoutACertificateOrWithOneFromAnotherAuthorityTheProxyRefuses() {
        assertEquals(1, status("--admin", https(), "--admin-ca", server.caCert().toString()));
        assertTrue(err.toString().contains("answered HTTP 401") && err.toString().contains(
                "Pass the admin token with --admin-token-file FILE or AURIGA_ADMIN_TOKEN"), err.toString());

        int before = ASKED.size();
        assertEquals(1, switchover("--cluster", "main", "--admin", https(), "--admin-ca", server.caCert().toString(),
                "--admin-cert", strangerCert.toString(), "--admin-key", strangerKey.toString()));
        assertTrue(err.toString().contains("The client certificate was not accepted: it must be issued by an "
                + "authority in the proxy's admin.tls.client-ca."), err.toString());
        assertEquals(before, ASKED.size(), "no switchover was started");
    }

    @Test
    void anUntrustedListenerOrPlainHttpFailsClearly() {
        assertEquals(1, status("--admin", https(), "--admin-cert", opsCert.toString(), "--admin-key", opsKey.toString()));
        assertTrue(err.toString().contains("TLS handshake failed") && err.toString().contains(
                "(give the authority of the admin listener's certificate with --admin-ca)"), err.toString());

        assertEquals(1, status("--admin", "http://127.0.0.1:" + admin.port()));
        assertTrue(err.toString().contains("answered HTTP 400: this admin listener speaks HTTPS: use https://127.0.0.1:"
                + admin.port()), err.toString());
    }

    @Test
    void badTlsOptionsAreUsageErrors() {
        assertEquals(2, status("--admin", https(), "--admin-cert", opsCert.toString()));
        assertTrue(err.toString().contains("--admin-cert " + opsCert + " needs its key: --admin-key FILE"), err.toString());
        assertEquals(2, switchover("--cluster", "main", "--admin", "http://127.0.0.1:" + admin.port(),
                "--admin-ca", server.caCert().toString()));
        assertTrue(err.toString().contains("--admin-ca, --admin-cert and --admin-key are for an https:// --admin URL"),
                err.toString());
        Path missing = dir.resolve("missing-ca.crt");
        assertEquals(2, status("--admin", https(), "--admin-ca", missing.toString()));
        assertTrue(err.toString().contains("Cannot use --admin-ca " + missing + ": no such file"), err.toString());
        assertEquals(2, status("--admin", https(), "--admin-cert", opsCert.toString(), "--admin-key",
                strangerKey.toString()));
        assertTrue(err.toString().contains("Cannot use --admin-key " + strangerKey + ": does not belong to the first "
                + "certificate in " + opsCert), err.toString());
    }

    private static String https() {
        return "https://127.0.0.1:" + admin.port();
    }

    private int status(String... args) {
        StatusCommand status = new StatusCommand();
        status.env = env;
        return run(status, args);
    }

    private int switchover(String... args) {
        SwitchoverCommand switchover = new SwitchoverCommand();
        switchover.env = env;
        return run(switchover, args);
    }

    private int run(Callable<Integer> command, String... args) {
        CommandLine line = new CommandLine(command);
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }
}
