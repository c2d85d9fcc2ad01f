package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.TokenKeys;
import io.auriga.core.auth.Tokens;
import io.auriga.sandbox.ProcessTree;
import io.auriga.sandbox.mariadb.MariaDbBinaries;
import io.auriga.sandbox.pg.PgBinaries;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code auriga demo --engine mysql} and {@code --engine both} as an operator meets them: a real child
 * process that provisions a MariaDB primary and a replica, prints {@code mariadb} commands that the real
 * client can paste (TLS verified against the demo CA), answers {@code auriga status}, and on SIGTERM
 * leaves no {@code mariadbd} and no open endpoint behind. The second run adds PostgreSQL beside the
 * MariaDB cluster it reuses, behind the same proxy and admin port. Skipped when the machine has no
 * MariaDB server binaries or no {@code mariadb} client.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MySqlDemoIT {
    private static final int PG_WRITER = 6432;
    private static final int PG_READER = 6433;
    private static final int WRITER = 6033;
    private static final int READER = 6034;
    private static final int ADMIN = 6480;
    private static final String READY = "Press Ctrl-C to stop Auriga and the database instances.";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(40);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern MARIADB_COMMAND = Pattern.compile("^\\s+(mariadb -h .+)$");
    /** The token command: what comes before the token, the key file, and what comes after. */
    private static final Pattern TOKEN_COMMAND = Pattern.compile(
            "(mariadb .* -p)\"\\$\\(\\./auriga token --user auriga_token --key-file (\\S+)\\)\"( .*)");

    private static Path dir;
    private static int offset;
    private static boolean provisioned;

    @BeforeAll
    static void prepare() throws IOException {
        assumeTrue(MariaDbBinaries.find().isPresent(), "no MariaDB server binaries on this machine");
        dir = LocalMachine.scratchDirectory("auriga-mysql-demo-it-");
        offset = LocalMachine.freeOffset(WRITER, READER, ADMIN, PG_WRITER, PG_READER);
    }

    @AfterEach
    void stopLeftovers() {
        LocalMachine.killMariaDbUnder(dir);
        LocalMachine.killPostgresUnder(dir);
    }

    @AfterAll
    static void deleteDirectory() {
        LocalMachine.killMariaDbUnder(dir);
        LocalMachine.killPostgresUnder(dir);
        LocalMachine.deleteQuietly(dir);
    }

    @Test
    @Order(1)
    void mysqlEngineServesWriterAndReaderThenStopsEverythingOnSigterm() throws Exception {
        List<ProcessHandle> servers;
        try (CliProcess demo = startDemo("mysql")) {
            String out = demo.stdout();
            Path ca = dir.resolve("tls").resolve("ca.crt");
            List<String> commands = mariadbCommands(out);
            assertEquals(3, commands.size(), "one mariadb command per endpoint, and one with a login token\n" + out);
            assertTrue(commands.get(0).contains(" -P " + (WRITER + offset) + " "), commands.get(0));
            assertTrue(commands.get(1).contains(" -P " + (READER + offset) + " "), commands.get(1));
            for (String command : commands) {
                assertTrue(command.contains("--ssl-ca=" + ca), command);
            }
            Matcher jdbc = Pattern.compile("(?m)^\\s+(jdbc:mariadb://\\S+)$").matcher(out);
            assertTrue(jdbc.find(), out);
            assertTrue(jdbc.group(1).startsWith("jdbc:mariadb://127.0.0.1:" + (WRITER + offset) + "/auriga?"), out);
            try (Connection c = DriverManager.getConnection(jdbc.group(1)); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT @@read_only")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getInt(1), "the printed JDBC URL (TLS verified) reaches the primary");
            }
            assertTrue(Files.isDirectory(dir.resolve("my1")) && Files.isDirectory(dir.resolve("my2")),
                    "instance data in DIR/my1 and DIR/my2");

            assertEquals("0", mariadb(commands.get(0), "SELECT @@read_only"), "the writer endpoint reaches the primary");
            assertEquals("1", mariadb(commands.get(1), "SELECT @@read_only"), "the reader endpoint reaches a replica");
            assertNotEquals("", mariadb(commands.get(0), "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"
                    + " WHERE VARIABLE_NAME = 'SSL_CIPHER'"), "the proxy reaches the demo's servers over TLS");
            Matcher tokenCommand = TOKEN_COMMAND.matcher(commands.get(2));
            assertTrue(tokenCommand.matches(), commands.get(2));
            String token = Tokens.issue(TokenKeys.readPrivate(Path.of(tokenCommand.group(2))), "auriga_token",
                    Duration.ofMinutes(15), java.time.Instant.now());
            assertEquals("auriga_token@%", mariadb(tokenCommand.group(1) + token + tokenCommand.group(3),
                    "SELECT current_user()"), "the printed token command logs in");
            String clientStatus = mariadb(commands.get(0), "status");
            assertTrue(clientStatus.contains("Cipher in use"), "the pasted command talks TLS to the proxy\n"
                    + clientStatus);
            mariadb(commands.get(0), "CREATE TABLE demo_it_marker (note VARCHAR(20)); "
                    + "INSERT INTO demo_it_marker VALUES ('kept')");
            assertStatusShows("my1\\s+primary", "my2\\s+replica");

            servers = LocalMachine.mariadbProcessesUnder(dir);
            assertEquals(2, servers.size(), "two mariadbd run under " + dir + ": " + servers);
            provisioned = true;
            demo.terminate();
            demo.awaitExit(STOP_TIMEOUT);
        }
        assertEverythingStopped(servers);
    }

    @Test
    @Order(2)
    void bothEnginesRunSideBySideBehindOneProxy() throws Exception {
        assumeTrue(provisioned, "the first run did not provision a MariaDB cluster");
        assumeTrue(PgBinaries.find().isPresent(), "no PostgreSQL server binaries on this machine");
        List<ProcessHandle> servers = new ArrayList<>();
        try (CliProcess demo = startDemo("both")) {
            String out = demo.stdout();
            assertTrue(out.contains("psql \"postgresql://auriga:auriga@127.0.0.1:" + (PG_WRITER + offset) + "/"), out);
            List<String> commands = mariadbCommands(out);
            assertEquals(3, commands.size(), out);
            assertEquals("kept", mariadb(commands.get(0), "SELECT note FROM demo_it_marker"),
                    "the MariaDB cluster of the first run is reused");
            assertStatusShows("my1\\s+primary", "my2\\s+replica", "pg1\\s+primary", "pg2\\s+replica");
            servers.addAll(LocalMachine.mariadbProcessesUnder(dir));
            servers.addAll(LocalMachine.postgresTreesUnder(dir));
            assertEquals(2, LocalMachine.mariadbProcessesUnder(dir).size(), servers.toString());
            assertEquals(2, LocalMachine.postgresProcessesUnder(dir).size(), servers.toString());
            demo.terminate();
            demo.awaitExit(STOP_TIMEOUT);
        }
        assertEverythingStopped(servers);
        assertEquals(List.of(), LocalMachine.postgresProcessesUnder(dir), "postgres processes still mention " + dir);
        for (int port : List.of(PG_WRITER + offset, PG_READER + offset)) {
            assertFalse(LocalMachine.isListening(port), "port " + port + " still accepts connections");
        }
    }

    private void assertEverythingStopped(List<ProcessHandle> servers) {
        assertEquals(List.of(), servers.stream().filter(ProcessTree::isRunning).toList(),
                "server processes outlived SIGTERM to auriga demo");
        assertEquals(List.of(), LocalMachine.mariadbProcessesUnder(dir), "mariadbd still runs under " + dir);
        for (int port : List.of(WRITER + offset, READER + offset, ADMIN + offset)) {
            assertFalse(LocalMachine.isListening(port), "port " + port + " still accepts connections");
        }
    }

    private CliProcess startDemo(String engine) {
        CliProcess demo = CliProcess.start("demo", "--engine", engine, "--replicas", "1", "--dir", dir.toString(),
                "--port-offset", Integer.toString(offset));
        try {
            demo.awaitLine(true, READY::equals, READY_TIMEOUT);
            return demo;
        } catch (RuntimeException | Error e) {
            demo.close();
            throw e;
        }
    }

    private void assertStatusShows(String... rows) {
        CliProcess.Result status = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do {
            status = CliProcess.run(COMMAND_TIMEOUT, "status", "--admin", "http://127.0.0.1:" + (ADMIN + offset),
                    "--admin-token-file", dir.resolve(DemoCommand.ADMIN_TOKEN_FILE).toString());
            String text = status.stdout();
            if (status.exitCode() == 0 && Arrays.stream(rows)
                    .allMatch(r -> Pattern.compile("(?m)^\\s+" + r + "\\s+127\\.0\\.0\\.1:").matcher(text).find())) {
                return;
            }
            LocalMachine.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("auriga status did not show " + Arrays.toString(rows) + "\n" + status);
    }

    /** The {@code mariadb ...} commands printed, writer first. */
    private static List<String> mariadbCommands(String out) {
        List<String> commands = new ArrayList<>();
        for (String line : out.lines().toList()) {
            Matcher m = MARIADB_COMMAND.matcher(line);
            if (m.matches()) {
                commands.add(m.group(1));
            }
        }
        return commands;
    }

    /** Runs a printed command as pasted, with the statement added; fails unless it succeeds. */
    private static String mariadb(String printed, String sql) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(Arrays.asList(printed.split(" ")));
        command.addAll(List.of("--batch", "--skip-column-names", "--connect-timeout=10", "-e", sql));
        Process client = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            if (!client.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("mariadb did not finish within " + COMMAND_TIMEOUT + ": " + sql);
            }
            String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, client.exitValue(), "mariadb " + sql + " failed: " + output);
            return output;
        } finally {
            client.destroyForcibly();
        }
    }
}
