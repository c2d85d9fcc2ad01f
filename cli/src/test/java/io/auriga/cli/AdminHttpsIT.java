package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.sandbox.pg.PgBinaries;
import io.auriga.sandbox.pg.PgSandbox;
import io.auriga.sandbox.pg.PgSandboxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API over HTTPS with client certificates, end to end as an operator sets it up: material
 * from {@code auriga cert --client}, a config file with {@code admin.tls}, {@code auriga start} in
 * front of a real PostgreSQL cluster, and {@code auriga status} and {@code auriga switchover} as
 * child processes.
 */
class AdminHttpsIT {
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aKeyThatIsNotTheCertificatesStopsTheStartBeforeAnythingListens() throws Exception {
        Path tls = tmp.resolve("admin-tls");
        assertEquals(0, CliProcess.run(QUICK, "cert", "--out", tls.toString(), "--host", "127.0.0.1", "--client", "ops")
                .exitCode());
        List<Integer> ports = LocalMachine.freePorts(3);
        int writer = ports.get(1);
        int admin = ports.get(2);
        Path file = tmp.resolve("auriga.yaml");
        // Readable files pass the config check; only reading them as TLS material finds the mismatch.
        Files.writeString(file, """
                clusters:
                  - name: main
                    engine: postgres
                    instances:
                      - { name: pg1, host: 127.0.0.1, port: %d }
                    admin-credentials: { user: auriga_admin, password: secret }
                    endpoints:
                      - { name: writer, role: writer, host: 127.0.0.1, port: %d }
                admin: { port: %d, tls: { cert: admin-tls/server.crt, key: admin-tls/ops.key } }
                """.formatted(ports.get(0), writer, admin));

        CliProcess.Result start = CliProcess.run(QUICK, "start", "-c", file.toString());

        assertEquals(1, start.exitCode(), start.toString());
        assertTrue(start.stderr().contains("auriga start: " + tls.resolve("ops.key") + ": does not belong to the first "
                + "certificate in " + tls.resolve("server.crt")), start.toString());
        assertFalse(start.stderr().contains("\tat "), "an operator error, not a stack trace\n" + start);
        assertFalse(start.stderr().contains("instance pg1"), "no instance was contacted\n" + start);
        assertTrue(LocalMachine.isFree(writer) && LocalMachine.isFree(admin), "nothing listened");
    }

    @Test
    void statusOverHttpsWithAClientCertificateFromAurigaCert() throws Exception {
        assumeTrue(PgBinaries.find().isPresent(), "no PostgreSQL server binaries on this machine");
        Path dir = LocalMachine.scratchDirectory("auriga-admin-https-it-");
        try (PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(dir).replicas(1).build()).start()) {
            Path tls = dir.resolve("admin-tls");
            CliProcess.Result cert = CliProcess.run(QUICK, "cert", "--out", tls.toString(), "--host", "127.0.0.1",
                    "--client", "ops");
            assertEquals(0, cert.exitCode(), cert.toString());

            List<Integer> ports = LocalMachine.freePorts(2);
            int writer = ports.get(0);
            int admin = ports.get(1);
            Path file = dir.resolve("auriga.yaml");
            Files.writeString(file, """
                    clusters:
                      - name: main
                        engine: postgres
                        instances:
                          - { name: pg1, host: 127.0.0.1, port: %d }
                          - { name: pg2, host: 127.0.0.1, port: %d }
                        admin-credentials: { user: %s, password-file: %s }
                        endpoints:
                          - { name: writer, role: writer, host: 127.0.0.1, port: %d }
                    admin:
                      host: 127.0.0.1
                      port: %d
                      tls: { cert: admin-tls/server.crt, key: admin-tls/server.key, client-ca: admin-tls/ca.crt }
                    """.formatted(sandbox.instance("pg1").port(), sandbox.instance("pg2").port(), sandbox.adminUser(),
                    dir.resolve("admin.password"), writer, admin));
            String https = "https://127.0.0.1:" + admin;
            String ca = tls.resolve("ca.crt").toString();

            try (CliProcess auriga = CliProcess.start("start", "-c", file.toString())) {
                auriga.awaitLine(false, line -> line.contains("auriga started"), READY_TIMEOUT);
                assertTrue(auriga.stderr().contains("Admin API listening on " + https + "; client certificates from "
                        + tls.resolve("ca.crt") + " are accepted as credentials"), auriga.stderr());

                CliProcess.Result status = CliProcess.run(QUICK, "status", "--admin", https, "--admin-ca", ca,
                        "--admin-cert", tls.resolve("ops.crt").toString(), "--admin-key", tls.resolve("ops.key").toString());
                assertEquals(0, status.exitCode(), status.toString());
                assertTrue(status.stdout().contains("Cluster main (postgres)"), status.toString());
                assertTrue(status.stdout().lines().anyMatch(l -> l.contains("pg1") && l.contains("primary")),
                        status.toString());

                CliProcess.Result anonymous = CliProcess.run(QUICK, "switchover", "--cluster", "main", "--admin", https,
                        "--admin-ca", ca);
                assertEquals(1, anonymous.exitCode(), anonymous.toString());
                assertTrue(anonymous.stderr().contains("answered HTTP 401"), anonymous.toString());

                CliProcess.Result plain = CliProcess.run(QUICK, "status", "--admin", "http://127.0.0.1:" + admin);
                assertEquals(1, plain.exitCode(), plain.toString());
                assertTrue(plain.stderr().contains("this admin listener speaks HTTPS: use " + https), plain.toString());

                auriga.terminate();
                auriga.awaitExit(STOP_TIMEOUT);
            }
            assertFalse(LocalMachine.isListening(admin), "the admin port is closed");
            assertTrue(sandbox.isRunning("pg1"), "no switchover happened: pg1 is still there");
        } finally {
            LocalMachine.killPostgresUnder(dir);
            LocalMachine.deleteQuietly(dir);
        }
    }
}
