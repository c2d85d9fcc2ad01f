package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.TokenKeys;
import io.auriga.core.auth.Tokens;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import io.auriga.sandbox.pg.PgBinaries;
import io.auriga.sandbox.pg.PgSandbox;
import io.auriga.sandbox.pg.PgSandboxOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code auriga start} and the command line itself, run as a real child process: a bad file is
 * refused with exit code 2 before anything listens or any instance is contacted, the usage
 * texts and exit codes are what scripts rely on, and a good file serves a real cluster until
 * SIGTERM.
 */
class StartCommandIT {
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void refusesABadFileBeforeListeningOrContactingAnInstance() throws IOException {
        try (ServerSocket instance = new ServerSocket(0, 50, InetAddress.getByName(LocalMachine.LOOPBACK))) {
            List<Integer> ports = LocalMachine.freePorts(2);
            int writer = ports.get(0);
            int admin = ports.get(1);
            Path file = write("bad.yaml", """
                    clusters:
                      - name: main
                        engine: postgres
                        instances:
                          - { name: pg1, host: 127.0.0.1, port: %d }
                        admin-credentials: { user: auriga_admin, password: secret }
                        endpoints:
                          - { name: writer, role: writer, port: %d }
                          - { name: reader, role: reader, port: %d, balanse: round-robin }
                    tls: { mode: disabled }
                    admin: { port: %d }
                    """.formatted(instance.getLocalPort(), writer, writer, admin));

            CliProcess.Result result = CliProcess.run(QUICK, "start", "-c", file.toString());

            assertEquals(2, result.exitCode(), result.toString());
            String err = result.stderr();
            assertTrue(err.contains(file.toString()), "names the file\n" + result);
            assertTrue(err.contains("clusters[0].endpoints[1].port") && err.contains("already used by"),
                    "names the duplicate port's field\n" + result);
            assertTrue(err.contains("clusters[0].endpoints[1]") && err.contains("unknown field 'balanse'"),
                    "names the unknown field\n" + result);
            assertFalse(err.contains("listening"), "nothing may listen for a refused file\n" + result);
            assertFalse(err.contains("\tat "), "a refused file is a message, not a stack trace\n" + result);
            assertTrue(LocalMachine.isFree(writer) && LocalMachine.isFree(admin), "ports left free");
            instance.setSoTimeout(1);
            try {
                instance.accept().close();
                throw new AssertionError("the instance was contacted although the file was refused\n" + result);
            } catch (SocketTimeoutException expected) {
                // nobody connected
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            unknown TLS mode  | tls.mode                                   | password: secret                              | sometimes
            unset secret env  | clusters[0].admin-credentials.password-env | password-env: AURIGA_IT_SURELY_UNSET_VARIABLE | disabled
            """)
    void refusesOtherProblemsNamingTheField(String problem, String field, String password, String tlsMode)
            throws IOException {
        List<Integer> ports = LocalMachine.freePorts(2);
        Path file = write(problem.replace(' ', '-') + ".yaml", """
                clusters:
                  - name: main
                    engine: postgres
                    instances:
                      - { name: pg1, host: 127.0.0.1, port: 5999 }
                    admin-credentials: { user: auriga_admin, %s }
                    endpoints:
                      - { name: writer, role: writer, port: %d }
                tls: { mode: %s }
                admin: { port: %d }
                """.formatted(password, ports.get(0), tlsMode, ports.get(1)));

        CliProcess.Result result = CliProcess.run(QUICK, "start", "-c", file.toString());

        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.stderr().contains(file.toString()), "names the file\n" + result);
        assertTrue(result.stderr().contains(field), "names " + field + "\n" + result);
        assertFalse(result.stderr().contains("listening"), result.toString());
    }

    @Test
    void refusesAMissingFileWithExitCode2() {
        Path missing = tmp.resolve("nowhere.yaml");
        CliProcess.Result result = CliProcess.run(QUICK, "start", "-c", missing.toString());
        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.stderr().contains(missing.toString()), result.toString());
    }

    @Test
    void everyCommandPrintsItsUsageWithHelp() {
        for (String command : List.of("", "start", "demo", "status", "cert")) {
            String[] args = command.isEmpty() ? new String[] {"--help"} : new String[] {command, "--help"};
            CliProcess.Result result = CliProcess.run(QUICK, args);
            assertEquals(0, result.exitCode(), result.toString());
            String expected = command.isEmpty() ? "Usage: auriga " : "Usage: auriga " + command + " ";
            assertTrue(result.stdout().startsWith(expected), "usage of '" + command + "'\n" + result);
        }
        CliProcess.Result help = CliProcess.run(QUICK, "help", "demo");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.stdout().contains("--port-offset"), help.toString());
    }

    @Test
    void unknownCommandsAndMissingOptionsFail() {
        CliProcess.Result unknown = CliProcess.run(QUICK, "bogus");
        assertNotEquals(0, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.stderr().contains("bogus"), unknown.toString());

        CliProcess.Result noConfig = CliProcess.run(QUICK, "start");
        assertEquals(2, noConfig.exitCode(), noConfig.toString());
        assertTrue(noConfig.stderr().contains("--config"), noConfig.toString());
    }

    @Test
    void aPortInUseFailsPromptlyAndSaysWhich() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(LocalMachine.LOOPBACK))) {
            List<Integer> ports = LocalMachine.freePorts(2);
            Path file = write("busy.yaml", """
                    clusters:
                      - name: main
                        engine: postgres
                        instances:
                          - { name: pg1, host: 127.0.0.1, port: 5999 }
                        admin-credentials: { user: auriga_admin, password: secret }
                        endpoints:
                          - { name: writer, role: writer, host: 127.0.0.1, port: %d }
                          - { name: reader, role: reader, host: 127.0.0.1, port: %d }
                    tls: { mode: disabled }
                    admin: { host: 127.0.0.1, port: %d }
                    """.formatted(ports.get(0), taken.getLocalPort(), ports.get(1)));

            CliProcess.Result result = CliProcess.run(QUICK, "start", "-c", file.toString());

            assertNotEquals(0, result.exitCode(), result.toString());
            assertTrue(result.stderr().contains("main/reader") && result.stderr().contains(":" + taken.getLocalPort()),
                    "names the endpoint and its port\n" + result);
            assertFalse(result.stderr().contains("\tat "), "an operator error, not a stack trace\n" + result);
            assertFalse(LocalMachine.isListening(ports.get(0)), "the writer was closed again");
        }
    }

    @Test
    void servesAClusterFromAConfigFileUntilSigterm() throws Exception {
        assumeTrue(PgBinaries.find().isPresent(), "no PostgreSQL server binaries on this machine");
        Path dir = LocalMachine.scratchDirectory("auriga-start-it-");
        try (PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(dir).replicas(1).build()).start()) {
            List<Integer> ports = LocalMachine.freePorts(3);
            int writer = ports.get(0);
            int reader = ports.get(1);
            int admin = ports.get(2);
            PgSandbox.Instance pg1 = sandbox.instance("pg1");
            PgSandbox.Instance pg2 = sandbox.instance("pg2");
            Path file = write("auriga.yaml", """
                    clusters:
                      - name: main
                        engine: postgres
                        instances:
                          - { name: pg1, host: 127.0.0.1, port: %d }
                          - { name: pg2, host: 127.0.0.1, port: %d }
                        admin-credentials: { user: %s, password-file: %s }
                        endpoints:
                          - { name: writer, role: writer, host: 127.0.0.1, port: %d }
                          - { name: reader, role: reader, host: 127.0.0.1, port: %d }
                    tls: { mode: disabled }
                    admin: { host: 127.0.0.1, port: %d }
                    """.formatted(pg1.port(), pg2.port(), sandbox.adminUser(), dir.resolve("admin.password"), writer,
                    reader, admin));

            Path wrong = write("wrong-admin.yaml", Files.readString(file).replace(
                    dir.resolve("admin.password").toString(), write("wrong.password", "not-it").toString()));
            CliProcess.Result refused = CliProcess.run(READY_TIMEOUT, "start", "-c", wrong.toString());
            assertEquals(1, refused.exitCode(), "no instance accepts the admin user: no start\n" + refused);
            for (String instance : List.of("pg1", "pg2")) {
                assertTrue(refused.stderr().contains("ERROR") && refused.stderr().contains("instance " + instance
                        + " refused the admin user " + sandbox.adminUser() + ": admin login refused: FATAL: password "
                        + "authentication failed"), "says which instance refused whom and why\n" + refused);
            }
            assertTrue(refused.stderr().contains("no instance accepts the admin user " + sandbox.adminUser()),
                    refused.toString());
            assertFalse(refused.stderr().contains("\tat "), "an operator error, not a stack trace\n" + refused);
            assertFalse(LocalMachine.isListening(writer), "nothing listens");

            try (CliProcess auriga = CliProcess.start("start", "-c", file.toString())) {
                auriga.awaitLine(false, line -> line.contains("auriga started"), READY_TIMEOUT);

                assertFalse(inRecovery(writer, sandbox), "the writer endpoint reaches the primary");
                assertTrue(inRecovery(reader, sandbox), "the reader endpoint reaches the replica");

                auriga.terminate();
                auriga.awaitExit(STOP_TIMEOUT);
            }
            for (int port : ports) {
                assertFalse(LocalMachine.isListening(port), "port " + port + " still accepts connections");
            }
            assertTrue(sandbox.isRunning("pg1") && sandbox.isRunning("pg2"),
                    "auriga start leaves servers it did not start alone");
        } finally {
            LocalMachine.killPostgresUnder(dir);
            LocalMachine.deleteQuietly(dir);
        }
    }

    @Test
    void sighupReloadsUsersTokensAndTlsFilesAndKeepsTheRunningConfigurationOnAnError() throws Exception {
        assumeTrue(PgBinaries.find().isPresent(), "no PostgreSQL server binaries on this machine");
        Path dir = LocalMachine.scratchDirectory("auriga-reload-it-");
        try (PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(dir).replicas(0).build()).start()) {
            try (Connection c = DriverManager.getConnection(sandbox.jdbcUrl(sandbox.primary(), sandbox.database()),
                    sandbox.adminUser(), sandbox.adminPassword()); Statement st = c.createStatement()) {
                st.execute("CREATE ROLE tok LOGIN PASSWORD 'tok-db-secret'");
            }
            List<Integer> ports = LocalMachine.freePorts(3);
            int writer = ports.get(0);
            Path tls = Files.createDirectories(tmp.resolve("tls"));
            TlsFiles first = CertificateAuthority.ensure(tmp.resolve("ca-first"), List.of("localhost", "127.0.0.1"));
            TlsFiles second = CertificateAuthority.ensure(tmp.resolve("ca-second"), List.of("localhost",
                    "127.0.0.1"));
            Files.copy(first.serverCert(), tls.resolve("server.crt"));
            Files.copy(first.serverKey(), tls.resolve("server.key"));
            java.security.KeyPair keys = TokenKeys.generate();
            Files.writeString(tmp.resolve("token.pub"), TokenKeys.pem(keys.getPublic()));
            String base = """
                    clusters:
                      - name: main
                        engine: postgres
                        instances:
                          - { name: pg1, host: 127.0.0.1, port: %d }
                        admin-credentials: { user: %s, password-file: %s }
                        endpoints:
                          - { name: writer, role: writer, host: 127.0.0.1, port: %d }
                    tls: { mode: optional, cert: %s, key: %s }
                    admin: { host: 127.0.0.1, port: %d }
                    """.formatted(sandbox.primary().port(), sandbox.adminUser(), dir.resolve("admin.password"),
                    writer, tls.resolve("server.crt"), tls.resolve("server.key"), ports.get(2));
            Path file = write("auriga.yaml", base);

            try (CliProcess auriga = CliProcess.start("start", "-c", file.toString())) {
                auriga.awaitLine(false, line -> line.contains("auriga started"), READY_TIMEOUT);
                Connection kept = verified(writer, sandbox, first.caCert());
                String token = Tokens.issue(keys.getPrivate(), "tok", Duration.ofMinutes(5), java.time.Instant.now());
                assertThrows(SQLException.class, () -> tokenLogin(writer, sandbox, token).close(),
                        "no token user before the reload");

                // New users, a tokens block, and a new certificate from another authority, in place.
                Files.copy(second.serverCert(), tls.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING);
                Files.copy(second.serverKey(), tls.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(file, base + """
                        users:
                          - { name: tok, token: true, password: tok-db-secret }
                        tokens: { public-key: %s }
                        """.formatted(tmp.resolve("token.pub")));
                auriga.hangUp();
                auriga.awaitLine(false, line -> line.contains("configuration reloaded"), QUICK);

                try (Connection c = tokenLogin(writer, sandbox, token); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("select current_user")) {
                    assertTrue(rs.next());
                    assertEquals("tok", rs.getString(1), "the reloaded token user logs in");
                }
                verified(writer, sandbox, second.caCert()).close();
                assertThrows(SQLException.class, () -> verified(writer, sandbox, first.caCert()).close(),
                        "new connections get the new certificate");
                try (Statement st = kept.createStatement()) {
                    assertTrue(st.execute("select 1"), "a session from before the reload goes on");
                }
                kept.close();

                // A broken file is refused; what runs stays.
                Files.writeString(file, base + "users: [ { name: tok, token: true } ]\n");
                auriga.hangUp();
                auriga.awaitLine(false, line -> line.contains("reload refused, the running configuration stays")
                        && line.contains("users[0]"), QUICK);
                tokenLogin(writer, sandbox, token).close();

                // What cannot change while running is named, and left as it runs.
                Files.writeString(file, base.replace("port: " + writer + " }", "port: " + ports.get(1) + " }"));
                auriga.hangUp();
                auriga.awaitLine(false, line -> line.contains("not applied until a restart: clusters"), QUICK);
                assertFalse(LocalMachine.isListening(ports.get(1)), "no endpoint moved without a restart");
                assertThrows(SQLException.class, () -> tokenLogin(writer, sandbox, token).close(),
                        "the token user is gone with the users block");

                auriga.terminate();
                auriga.awaitExit(STOP_TIMEOUT);
            }
        } finally {
            LocalMachine.killPostgresUnder(dir);
            LocalMachine.deleteQuietly(dir);
        }
    }

    private static Connection verified(int port, PgSandbox sandbox, Path ca) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", sandbox.user());
        props.setProperty("password", sandbox.password());
        props.setProperty("sslmode", "verify-full");
        props.setProperty("sslrootcert", ca.toString());
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/" + sandbox.database(), props);
    }

    private static Connection tokenLogin(int port, PgSandbox sandbox, String token) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "tok");
        props.setProperty("password", token);
        props.setProperty("sslmode", "require");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + sandbox.database(), props);
    }

    private static boolean inRecovery(int port, PgSandbox sandbox) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", sandbox.user());
        props.setProperty("password", sandbox.password());
        props.setProperty("sslmode", "disable");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/" + sandbox.database();
        try (Connection c = DriverManager.getConnection(url, props); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select pg_is_in_recovery()")) {
            assertTrue(rs.next());
            return rs.getBoolean(1);
        }
    }

    private Path write(String name, String yaml) throws IOException {
        Path file = tmp.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }
}
