package io.auriga.mysql.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.core.testing.BackendReuse;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MariaDB {@code ed25519} accounts through the MySQL endpoints: the proxy asks the client for the
 * password in clear (mysql_clear_password, over TLS only), checks it against the account's public key
 * and logs in to the backends with the {@code client_ed25519} answer to each one's nonce — the writer,
 * the reader's replicas, a kept connection logged in again, a COM_CHANGE_USER.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlEd25519IT {
    static final String USER = "ed_user";
    static final String PASSWORD = "ed-secret-25519";
    private static final Path CLIENT = Path.of("/usr/bin/mariadb");

    @Test
    void mariadbConnectorJLogsInThroughTheWriterAndTheReaderOverTls(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster);
        try (Connection c = login(cluster, cluster.writerPort(), "sslMode=trust"); Statement st = c.createStatement()) {
            assertEquals(USER + "@% 0", text(st, "SELECT concat(current_user(), ' ', IF(@@read_only, 1, 0))"));
            st.execute("CREATE TEMPORARY TABLE ed_tmp (x int)");
            st.execute("INSERT INTO ed_tmp VALUES (25519)");
            assertEquals("25519", text(st, "SELECT x FROM ed_tmp"));
        }
        try (Connection c = login(cluster, cluster.readerPort(), "sslMode=trust"); Statement st = c.createStatement()) {
            assertEquals(USER + "@% 1", text(st, "SELECT concat(current_user(), ' ', IF(@@read_only, 1, 0))"));
        }
    }

    @Test
    void mysqlConnectorJLogsInAlsoWhenItStartsWithCachingSha2Password(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster);
        for (int port : new int[] {cluster.writerPort(), cluster.strictWriterPort()}) {
            try (Connection c = DriverManager.getConnection(cluster.mysqlUrl(port, "sslMode=REQUIRED"), props(PASSWORD));
                 Statement st = c.createStatement()) {
                assertEquals(USER + "@%", text(st, "SELECT current_user()"), "port " + port);
            }
        }
    }

    @Test
    void withoutTlsThePasswordIsNeverAskedFor(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster);
        SQLException e = assertThrows(SQLException.class,
                () -> login(cluster, cluster.writerPort(), "sslMode=disable").close());
        assertEquals(3159, e.getErrorCode(), e.getMessage());
        assertTrue(e.getMessage().contains("user '" + USER + "' has an ed25519 password, which is accepted over TLS only"),
                e.getMessage());
    }

    /** A wrong password gets the server's 1045, and counts towards the login throttle as any failure does. */
    @Test
    void wrongPasswordsAreRefusedAndSlowedAsAnyOther(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster);
        // An address of its own, so that the hold it earns touches no other test.
        String url = cluster.mariadbUrl(cluster.writerPort(), "sslMode=trust&localSocketAddress=127.0.0.4");
        for (int i = 0; i < 5; i++) {
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url, props(PASSWORD + "x")).close());
            assertEquals(1045, e.getErrorCode(), e.getMessage());
            assertEquals("28000", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("Access denied for user '" + USER + "'"), e.getMessage());
        }
        long start = System.nanoTime();
        SQLException held = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url, props("")).close());
        assertEquals(1045, held.getErrorCode(), held.getMessage());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(800), "the sixth failure was held");
        try (Connection c = DriverManager.getConnection(url, props(PASSWORD))) {
            assertTrue(c.isValid(5), "the right password still logs in");
        }
    }

    /**
     * The backend connection a client leaves is kept and logged in again (COM_CHANGE_USER, answered with
     * client_ed25519) for the next client of the same account.
     */
    @Test
    void theNextLoginGetsTheKeptBackendLoggedInAgain(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster);
        long thread;
        try (Connection first = login(cluster, cluster.writerPort(), "sslMode=trust");
             Statement st = first.createStatement()) {
            thread = Long.parseLong(text(st, "SELECT CONNECTION_ID()"));
            st.execute("SET @left_behind = 1");
        }
        try (Connection next = BackendReuse.await(Duration.ofSeconds(10),
                () -> login(cluster, cluster.writerPort(), "sslMode=trust"), "SELECT CONNECTION_ID()", thread);
             Statement st = next.createStatement()) {
            assertEquals(USER + "@% null", text(st, "SELECT concat_ws(' ', current_user(), IFNULL(@left_behind, 'null'))"));
        }
    }

    @Test
    void mysqlConnectorJChangesUserToAnEd25519Account(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster);
        for (int port : new int[] {cluster.writerPort(), cluster.readerPort()}) {
            try (Connection c = cluster.mysql(port, "sslMode=REQUIRED"); Statement st = c.createStatement()) {
                st.execute("SET @v = 7");
                var driver = c.unwrap(com.mysql.cj.jdbc.JdbcConnection.class);
                driver.changeUser(USER, PASSWORD);
                try (Statement after = c.createStatement()) {
                    assertEquals(USER + "@% null", text(after, "SELECT concat_ws(' ', current_user(), IFNULL(@v, 'null'))"),
                            "port " + port);
                }
                SQLException e = assertThrows(SQLException.class, () -> driver.changeUser(USER, "wrong"));
                assertEquals(1045, e.getErrorCode(), "port " + port + ": " + e);
            }
        }
    }

    @Test
    void theMariadbClientLogsInOverTls(ProxiedMariaDb cluster) throws Exception {
        assumeTrue(Files.isExecutable(CLIENT), "no mariadb client at " + CLIENT);
        createUser(cluster);
        Process p = new ProcessBuilder(CLIENT.toString(), "--no-defaults", "-h", "127.0.0.1", "-P",
                Integer.toString(cluster.writerPort()), "-u", USER, "-p" + PASSWORD, "--batch", "--skip-column-names",
                "--connect-timeout=10", "--ssl", "--ssl-ca=" + cluster.caCert(), "--ssl-verify-server-cert",
                "-e", "SELECT current_user()", cluster.sandbox().database()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "client did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertEquals(USER + "@%", out.strip());
    }

    /**
     * Creates the account on the primary once, and waits until every replica has it: the reader's
     * logins need it there, and the replicas must have the plugin to replicate it at all.
     */
    static void createUser(ProxiedMariaDb cluster) throws Exception {
        MariaDbSandbox sandbox = cluster.sandbox();
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        try (Connection c = cluster.admin(sandbox.instance(primary)); Statement st = c.createStatement()) {
            st.execute("CREATE USER IF NOT EXISTS " + USER + "@'%' IDENTIFIED VIA ed25519 USING PASSWORD('"
                    + PASSWORD + "')");
            st.execute("GRANT ALL ON " + sandbox.database() + ".* TO " + USER + "@'%'");
        }
        for (MariaDbSandbox.Instance instance : sandbox.instances()) {
            try (Connection c = cluster.admin(instance); Statement st = c.createStatement()) {
                assertTrue(poll(Duration.ofSeconds(10), () -> "1".equals(text(st,
                        "SELECT COUNT(*) FROM mysql.global_priv WHERE User = '" + USER + "'"))),
                        instance.name() + " has the account");
            }
        }
    }

    private static Connection login(ProxiedMariaDb cluster, int port, String options) throws SQLException {
        return DriverManager.getConnection(cluster.mariadbUrl(port, options), props(PASSWORD));
    }

    private static Properties props(String password) {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10000");
        return p;
    }

    private static String text(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }
}
