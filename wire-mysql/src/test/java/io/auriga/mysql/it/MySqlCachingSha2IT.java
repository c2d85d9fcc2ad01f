package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.mysql.auth.CachingSha2Cache;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * caching_sha2_password answered by the proxy, with MySQL Connector/J at its default authentication
 * settings (it follows the plugin the handshake names: {@code caching_sha2_password} on the
 * {@value ProxiedMariaDb#STRICT} cluster). Which path ran is read from the cluster's cache counters;
 * every test uses database users of its own, so the order of tests does not matter.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlCachingSha2IT {
    private static final String TLS = "sslMode=REQUIRED";
    private static final String PLAIN = "sslMode=DISABLED";
    private static final Path CLIENT = Path.of("/usr/bin/mariadb");

    @Test
    void overTlsTheFirstLoginIsAFullAuthenticationAndTheNextOnesTakeTheFastPath(ProxiedMariaDb cluster)
            throws Exception {
        createUser(cluster, "sha2_tls", "first-pw");
        Paths before = Paths.of(cluster);
        assertEquals("sha2_tls", currentUser(cluster, TLS, "sha2_tls", "first-pw"));
        assertEquals(before.plus(0, 1), Paths.of(cluster), "the first login is a full authentication");
        assertEquals("sha2_tls", currentUser(cluster, TLS, "sha2_tls", "first-pw"));
        assertEquals(before.plus(1, 1), Paths.of(cluster), "the second login takes the fast path");
        // Cached over TLS, the user takes the fast path without TLS too, as with a MySQL server.
        assertEquals("sha2_tls", currentUser(cluster, PLAIN, "sha2_tls", "first-pw"));
        assertEquals(before.plus(2, 1), Paths.of(cluster));

        assertAccessDenied(() -> currentUser(cluster, TLS, "sha2_tls", "wrong-pw"));
        assertAccessDenied(() -> currentUser(cluster, PLAIN, "sha2_tls", "wrong-pw"));
        assertEquals(before.plus(2, 1), Paths.of(cluster), "a wrong password on the fast path counts nothing");
    }

    @Test
    void aWrongPasswordInFullAuthenticationIsRefusedAndCachesNothing(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster, "sha2_full", "right-pw");
        Paths before = Paths.of(cluster);
        assertAccessDenied(() -> currentUser(cluster, TLS, "sha2_full", "wrong-pw"));
        assertAccessDenied(() -> currentUser(cluster, TLS, "sha2_full", ""));
        assertEquals(before, Paths.of(cluster));
        assertEquals("sha2_full", currentUser(cluster, TLS, "sha2_full", "right-pw"));
        assertEquals(before.plus(0, 1), Paths.of(cluster), "still a full authentication: nothing was cached");
    }

    @Test
    void withoutTlsAnUncachedUserIsSwitchedToNativePassword(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster, "sha2_plain", "plain-pw");
        Paths before = Paths.of(cluster);
        assertEquals("sha2_plain", currentUser(cluster, PLAIN, "sha2_plain", "plain-pw"));
        assertEquals("sha2_plain", currentUser(cluster, PLAIN, "sha2_plain", "plain-pw"));
        assertAccessDenied(() -> currentUser(cluster, PLAIN, "sha2_plain", "wrong-pw"));
        assertEquals(before, Paths.of(cluster), "neither caching_sha2_password path ran: the switch served them");
    }

    @Test
    void aConfigUserTakesTheFastPathEveryTime(ProxiedMariaDb cluster) throws Exception {
        Paths before = Paths.of(cluster);
        assertEquals(ProxiedMariaDb.CONFIG_USER, currentUser(cluster, PLAIN, ProxiedMariaDb.CONFIG_USER,
                ProxiedMariaDb.CONFIG_PASSWORD));
        assertEquals(ProxiedMariaDb.CONFIG_USER, currentUser(cluster, TLS, ProxiedMariaDb.CONFIG_USER,
                ProxiedMariaDb.CONFIG_PASSWORD));
        assertEquals(before.plus(2, 0), Paths.of(cluster));
        assertAccessDenied(() -> currentUser(cluster, PLAIN, ProxiedMariaDb.CONFIG_USER, "not-" + ProxiedMariaDb.CONFIG_PASSWORD));
        assertEquals(before.plus(2, 0), Paths.of(cluster));
    }

    @Test
    void aNewPasswordReplacesTheCachedOne(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster, "sha2_change", "old-pw");
        currentUser(cluster, TLS, "sha2_change", "old-pw");
        Paths before = Paths.of(cluster);
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); var st = admin.createStatement()) {
            st.execute("ALTER USER sha2_change@'%' IDENTIFIED BY 'new-pw'");
        }
        // The proxy may still hold the old stored hash for a moment: the first attempt fails on the old
        // entry and makes it read the account again; then the new password goes through full authentication.
        String user = null;
        for (int attempt = 0; attempt < 3 && user == null; attempt++) {
            try {
                user = currentUser(cluster, TLS, "sha2_change", "new-pw");
            } catch (SQLException e) {
                assertEquals(1045, e.getErrorCode(), e.toString());
            }
        }
        assertEquals("sha2_change", user);
        assertEquals(before.fast(), Paths.of(cluster).fast());
        assertEquals(before.full() + 1, Paths.of(cluster).full(), "the new password was authenticated in full");
        assertAccessDenied(() -> currentUser(cluster, TLS, "sha2_change", "old-pw"));
        assertEquals("sha2_change", currentUser(cluster, TLS, "sha2_change", "new-pw"));
        assertEquals(before.fast() + 1, Paths.of(cluster).fast(), "the new password is the cached one now");
    }

    @Test
    void mariadbConnectorJStillLogsInWithNativePassword(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster, "sha2_mariadb", "mdb-pw");
        Paths before = Paths.of(cluster);
        String url = "jdbc:mariadb://127.0.0.1:" + cluster.strictWriterPort() + "/" + cluster.sandbox().database();
        Properties p = new Properties();
        p.setProperty("user", "sha2_mariadb");
        p.setProperty("password", "mdb-pw");
        p.setProperty("connectTimeout", "10000");
        try (Connection c = DriverManager.getConnection(url + "?sslMode=trust", p)) {
            assertEquals("sha2_mariadb", user(c));
        }
        try (Connection c = DriverManager.getConnection(url, p)) {
            assertEquals("sha2_mariadb", user(c));
        }
        // It answers any greeting with mysql_native_password (or clear text) at once: no caching_sha2 path runs.
        assertEquals(before, Paths.of(cluster));
    }

    @Test
    void theMariadbClientTakesBothPathsToo(ProxiedMariaDb cluster) throws Exception {
        assumeTrue(Files.isExecutable(CLIENT), "no mariadb client at " + CLIENT);
        createUser(cluster, "sha2_cli", "cli-pw");
        Paths before = Paths.of(cluster);
        assertEquals("sha2_cli", cli(cluster, "cli-pw", "--ssl", "--ssl-ca=" + cluster.caCert(), "--ssl-verify-server-cert"));
        assertEquals(before.plus(0, 1), Paths.of(cluster), "libmariadb's caching_sha2_password: full authentication over TLS");
        assertEquals("sha2_cli", cli(cluster, "cli-pw", "--skip-ssl"));
        assertEquals(before.plus(1, 1), Paths.of(cluster), "then the fast path, here without TLS");
        String refused = cli(cluster, "wrong-pw", "--skip-ssl");
        assertTrue(refused.contains("ERROR 1045 (28000)"), refused);
    }

    @Test
    void behindTheDefaultGreetingAClientThatInsistsOnCachingSha2IsServedToo(ProxiedMariaDb cluster) throws Exception {
        createUser(cluster, "sha2_main", "main-pw");
        CachingSha2Cache main = cluster.engine().sha2Cache("main");
        long fast = main.fastAuthentications();
        long full = main.fullAuthentications();
        Properties p = new Properties();
        p.setProperty("user", "sha2_main");
        p.setProperty("password", "main-pw");
        p.setProperty("connectTimeout", "10000");
        // The main cluster greets with mysql_native_password; this client starts with caching_sha2_password anyway.
        String url = cluster.mysqlUrl(cluster.writerPort(), "defaultAuthenticationPlugin=caching_sha2_password&");
        try (Connection c = DriverManager.getConnection(url + PLAIN, p)) {
            assertEquals("sha2_main", user(c));
        }
        assertEquals(full, main.fullAuthentications(), "without TLS and not cached: switched to native");
        try (Connection c = DriverManager.getConnection(url + TLS, p)) {
            assertEquals("sha2_main", user(c));
        }
        assertEquals(full + 1, main.fullAuthentications());
        try (Connection c = DriverManager.getConnection(url + PLAIN, p)) {
            assertEquals("sha2_main", user(c));
        }
        assertEquals(fast + 1, main.fastAuthentications());
        p.setProperty("password", "wrong-pw");
        assertAccessDenied(() -> DriverManager.getConnection(url + TLS, p).close());
    }

    /** The two caching_sha2_password counters of the strict cluster at one moment. */
    private record Paths(long fast, long full) {
        static Paths of(ProxiedMariaDb cluster) {
            CachingSha2Cache cache = cluster.engine().sha2Cache(ProxiedMariaDb.STRICT);
            return new Paths(cache.fastAuthentications(), cache.fullAuthentications());
        }

        Paths plus(long moreFast, long moreFull) {
            return new Paths(fast + moreFast, full + moreFull);
        }
    }

    /** Runs the mariadb client on the strict writer endpoint; its output (the user, or the error). */
    private static String cli(ProxiedMariaDb cluster, String password, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(CLIENT.toString(), "--no-defaults", "-h", "127.0.0.1", "-P",
                Integer.toString(cluster.strictWriterPort()), "-u", "sha2_cli", "-p" + password, "--batch",
                "--skip-column-names", "--connect-timeout=10"));
        command.addAll(List.of(options));
        command.addAll(List.of("-e", "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)", cluster.sandbox().database()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "client did not finish");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    private static void createUser(ProxiedMariaDb cluster, String user, String password) throws SQLException {
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); var st = admin.createStatement()) {
            st.execute("DROP USER IF EXISTS " + user + "@'%'");
            st.execute("CREATE USER " + user + "@'%' IDENTIFIED BY '" + password + "'");
            st.execute("GRANT SELECT ON " + cluster.sandbox().database() + ".* TO " + user + "@'%'");
        }
    }

    /** Logs in with MySQL Connector/J at its default authentication settings and asks who it is. */
    private static String currentUser(ProxiedMariaDb cluster, String tls, String user, String password)
            throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10000");
        try (Connection c = DriverManager.getConnection(cluster.mysqlUrl(cluster.strictWriterPort(), tls), p)) {
            return user(c);
        }
    }

    private static String user(Connection c) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private interface Login {
        void run() throws SQLException;
    }

    private static void assertAccessDenied(Login login) {
        SQLException e = assertThrows(SQLException.class, login::run);
        assertEquals(1045, e.getErrorCode(), e.toString());
        assertEquals("28000", e.getSQLState(), e.toString());
    }
}
