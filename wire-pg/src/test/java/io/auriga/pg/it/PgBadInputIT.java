package io.auriga.pg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.util.PSQLException;

/**
 * Bad input through the writer endpoint: each case gets the right SQLSTATE (or a close where the
 * protocol gives no way to answer), and a healthy session opened beforehand keeps working.
 */
@ExtendWith(ProxiedCluster.Extension.class)
class PgBadInputIT {
    private static final int PROTOCOL_3_0 = 196608;

    private Connection bystander;

    @BeforeEach
    void openBystander(ProxiedCluster cluster) throws SQLException {
        bystander = cluster.writer();
        try (Statement st = bystander.createStatement()) {
            st.execute("BEGIN; CREATE TEMP TABLE bystander (x int); INSERT INTO bystander VALUES (1)");
        }
    }

    @AfterEach
    void bystanderIsUndisturbed() throws SQLException {
        try (Statement st = bystander.createStatement(); ResultSet rs = st.executeQuery("SELECT x FROM bystander")) {
            assertTrue(rs.next(), "the open transaction of another session survived");
            assertEquals(1, rs.getInt(1));
        } finally {
            bystander.close();
        }
    }

    @Test
    void garbageBytesGetAProtocolViolation(ProxiedCluster cluster) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 5000)) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            assertEquals("08P01", raw.readError().get('C'));
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void anImpossibleLengthIsRefusedAtOnce(ProxiedCluster cluster) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 5000)) {
            raw.send(new byte[] {0, 0, 0, 3, 0, 3, 0, 0});
            Map<Character, String> error = raw.readError();
            assertEquals("08P01", error.get('C'));
            assertTrue(error.get('M').contains("invalid length"), error.get('M'));
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void anOversizedStartupPacketIsRefusedWithoutWaitingForIt(ProxiedCluster cluster) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 5000)) {
            // Announce 100 MB but send only the header: the proxy must answer without buffering or waiting.
            raw.send(new byte[] {0x06, 0, 0, 0, 0, 3, 0, 0});
            assertEquals("08P01", raw.readError().get('C'));
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void anUnsupportedProtocolVersionIsRefused(ProxiedCluster cluster) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 5000)) {
            raw.send(RawClient.startup(2 << 16, "user", "auriga"));
            Map<Character, String> error = raw.readError();
            assertEquals("0A000", error.get('C'));
            assertTrue(error.get('M').contains("unsupported frontend protocol 2.0"), error.get('M'));
        }
    }

    @Test
    void aStartupWithoutUserIsRefused(ProxiedCluster cluster) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 5000)) {
            raw.send(RawClient.startup(PROTOCOL_3_0, "database", "auriga"));
            assertEquals("28000", raw.readError().get('C'));
        }
    }

    @Test
    void aSilentClientIsDisconnectedAfterTheStartupTimeout(ProxiedCluster cluster) throws IOException {
        long start = System.nanoTime();
        try (RawClient raw = new RawClient(cluster.writerPort(), 10_000)) {
            Map<Character, String> error = raw.readError();
            assertEquals("08P01", error.get('C'));
            assertTrue(error.get('M').contains("did not complete startup"), error.get('M'));
            assertTrue(raw.closedByPeer());
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= ProxiedCluster.STARTUP_TIMEOUT.toMillis() - 100, "closed too early: " + waited);
        assertTrue(waited < ProxiedCluster.STARTUP_TIMEOUT.toMillis() + 3000, "closed too late: " + waited);
    }

    @Test
    void aClientThatStopsMidAuthenticationIsTimedOut(ProxiedCluster cluster) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 10_000)) {
            raw.send(RawClient.startup(PROTOCOL_3_0, "user", "auriga", "database", "auriga"));
            // The proxy asks for SASL; the client never answers.
            assertEquals("08P01", raw.readErrorAfterAuthRequest().get('C'));
        }
    }

    @Test
    void unknownUserWrongPasswordAndUnknownDatabase(ProxiedCluster cluster) {
        assertEquals("28P01", loginError(cluster, "nobody", "auriga", "auriga"));
        assertEquals("28P01", loginError(cluster, "auriga", "wrong", "auriga"));
        assertEquals("3D000", loginError(cluster, "auriga", "auriga", "no_such_db"));
        // A role that exists but may not log in is refused exactly like a wrong password.
        assertEquals("28P01", loginError(cluster, "pg_monitor", "x", "auriga"));
    }

    @Test
    void aChangedPasswordCountsFromTheNextLogin(ProxiedCluster cluster) throws SQLException {
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            st.execute("DROP ROLE IF EXISTS changes_password");
            st.execute("CREATE ROLE changes_password LOGIN PASSWORD 'before'");
            login(cluster, "changes_password", "before").close();
            st.execute("ALTER ROLE changes_password PASSWORD 'after'");
            // Directly, the first login after the change already takes the new password, and only it.
            login(cluster, "changes_password", "after").close();
            assertEquals("28P01", loginError(cluster, "changes_password", "before", "auriga"));
            st.execute("ALTER ROLE changes_password NOLOGIN");
            assertEquals("28P01", loginError(cluster, "changes_password", "after", "auriga"));
        }
    }

    @Test
    void repeatedWrongPasswordsAreSlowedForThatAddressOnly(ProxiedCluster cluster) throws SQLException {
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            st.execute("DROP ROLE IF EXISTS guessed");
            st.execute("CREATE ROLE guessed LOGIN PASSWORD 'right'");
        }
        // Five failures in a row cost nothing (server.login-throttle defaults) ...
        for (int i = 0; i < 5; i++) {
            assertEquals("28P01", loginError(cluster, "guessed", "guess" + i, "auriga"));
        }
        // ... the next attempt from this address is held a second before it is even checked.
        long start = System.nanoTime();
        assertEquals("28P01", loginError(cluster, "guessed", "guess5", "auriga"));
        assertTrue(elapsedMillis(start) >= 800, "held " + elapsedMillis(start) + " ms");
        // Another address is not locked out: its first login as the same user goes through at once.
        start = System.nanoTime();
        Properties other = new Properties();
        other.setProperty("user", "guessed");
        other.setProperty("password", "right");
        other.setProperty("localSocketAddress", "127.0.0.2");
        java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.writerPort()
                + "/auriga?sslmode=disable", other).close();
        assertTrue(elapsedMillis(start) < 800, "another address was held " + elapsedMillis(start) + " ms");
        // The right password from the guessing address still logs in, after its hold, and ends the run.
        login(cluster, "guessed", "right").close();
        start = System.nanoTime();
        login(cluster, "guessed", "right").close();
        assertTrue(elapsedMillis(start) < 800, "held after a success: " + elapsedMillis(start) + " ms");
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Test
    void aClientVanishingMidQueryStopsItsQuery(ProxiedCluster cluster) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-q", "-c", "SELECT pg_sleep(60) /* vanishing */",
                "host=127.0.0.1 port=" + cluster.writerPort() + " user=auriga dbname=auriga sslmode=disable")
                .redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", "auriga");
        Process psql = pb.start();
        try (Connection admin = cluster.admin(cluster.sandbox().primary())) {
            assertTrue(waitForSleepers(admin, 1, 10_000), "the query never started");
            psql.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertTrue(waitForSleepers(admin, 0, 10_000), "the query kept running after its client vanished");
        } finally {
            psql.destroyForcibly();
        }
    }

    private static boolean waitForSleepers(Connection admin, int expected, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%vanishing%' AND state = 'active'"
                            + " AND pid <> pg_backend_pid()")) {
                rs.next();
                if (rs.getInt(1) == expected) {
                    return true;
                }
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static Connection login(ProxiedCluster cluster, String user, String password) throws SQLException {
        return java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.writerPort()
                + "/auriga?sslmode=disable", user, password);
    }

    private static String loginError(ProxiedCluster cluster, String user, String password, String database) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        String url = "jdbc:postgresql://127.0.0.1:" + cluster.writerPort() + "/" + database + "?sslmode=disable";
        PSQLException e = assertThrows(PSQLException.class, () -> java.sql.DriverManager.getConnection(url, p)
                .close());
        assertFalse(e.getMessage().contains("SCRAM-SHA-256-PLUS"));
        return e.getSQLState();
    }
}
