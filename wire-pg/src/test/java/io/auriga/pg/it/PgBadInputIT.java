package io.auriga.pg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.AurigaConfig;
import io.auriga.config.Engine;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.testing.Bystander;
import io.auriga.core.testing.CapturedLog;
import io.auriga.core.testing.Poll;
import io.auriga.core.testing.TestTransport;
import io.auriga.pg.engine.PgEngineSupport;
import io.auriga.pg.frontend.PgSession;
import io.auriga.sandbox.pg.SandboxCluster;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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

    private Bystander bystander;

    @BeforeEach
    void openBystander(ProxiedCluster cluster) throws SQLException {
        bystander = Bystander.open(cluster.writer(),
                "BEGIN; CREATE TEMP TABLE bystander (x int); INSERT INTO bystander VALUES (1)");
    }

    @AfterEach
    void bystanderIsUndisturbed() throws SQLException {
        bystander.assertUndisturbed();
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
    void aTerminateBeforeTheStartupPacketIsClosedSilently(ProxiedCluster cluster) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 5000)) {
            raw.send(new byte[] {'X', 0, 0, 0, 4});
            assertEquals(-1, raw.readByte(), "closed without an answer, as PostgreSQL does");
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
    void aNewerMinorVersionIsAnsweredWithTheNewestSupported(ProxiedCluster cluster) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 5000)) {
            raw.send(RawClient.startup((3 << 16) | 2, "user", "auriga", "database", "auriga", "_pq_.no_such", "x"));
            RawClient.Message negotiate = raw.readMessage();
            assertEquals('v', negotiate.tag());
            assertEquals(PROTOCOL_3_0, negotiate.int32(0), "protocol 3.0, as PostgreSQL says it");
            assertEquals(1, negotiate.int32(4), "one option not recognised");
            assertEquals('R', raw.readMessage().tag(), "the login goes on");
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

    /**
     * A user whose password is stored as md5 while the servers' pg_hba asks for SCRAM cannot log in
     * to any instance, directly or through the proxy: the client is told so at once (28P01, as
     * directly), not after waiting out the startup timeout.
     */
    @Test
    void aLoginNoInstanceAcceptsIsRefusedAtOnce(ProxiedCluster cluster) throws SQLException {
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            st.execute("SET password_encryption = 'md5'");
            st.execute("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'md5_user') THEN "
                    + "CREATE ROLE md5_user LOGIN PASSWORD 'md5-secret'; END IF; END$$");
        }
        long start = System.nanoTime();
        assertEquals("28P01", loginError(cluster, "md5_user", "md5-secret", "auriga"));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited < ProxiedCluster.STARTUP_TIMEOUT.toMillis() / 2, "refused after " + waited + " ms");
    }

    /**
     * A malformed message after login is the client's protocol violation: it gets the server's
     * 08P01, as directly, and no proxy error saying an instance was lost.
     */
    @Test
    void aMalformedMessageAfterLoginIsTheClientsProtocolViolation(ProxiedCluster cluster) throws IOException {
        // An impossible length (the server leaves silently), then an unknown type (the server says so).
        assertEquals(java.util.List.of("08P01"), errorsAfter(cluster, new byte[] {'Q', 0, 0, 0, 2}));
        assertEquals(java.util.List.of("08P01"), errorsAfter(cluster, new byte[] {'N', 0, 0, 0, 4}));
    }

    /** The SQLSTATEs of the errors a fresh session gets for {@code malformed}, until the proxy closes it. */
    private static java.util.List<String> errorsAfter(ProxiedCluster cluster, byte[] malformed) throws IOException {
        try (RawClient raw = new RawClient(cluster.writerPort(), 5000)) {
            raw.login(cluster.sandbox().user(), cluster.sandbox().password(), cluster.sandbox().database());
            raw.send(malformed);
            java.util.List<String> codes = new java.util.ArrayList<>();
            while (true) {
                RawClient.Message m;
                try {
                    m = raw.readMessage();
                } catch (java.io.EOFException e) {
                    break;
                }
                if (m.tag() == 'E') {
                    codes.add(RawClient.fields(m.body()).get('C'));
                }
            }
            return codes;
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
    void aUserNameCannotForgeALogLine(ProxiedCluster cluster) throws Exception {
        String forged = "x\n12:00:00.000 ERROR [auriga-monitor] Monitor - TWO PRIMARIES in cluster main";
        try (CapturedLog log = new CapturedLog(PgSession.class)) {
            assertEquals("28P01", loginError(cluster, forged, "wrong", "auriga"));
            assertTrue(Poll.poll(Duration.ofSeconds(5), () -> log.messages().stream()
                    .anyMatch(m -> m.contains("TWO PRIMARIES"))), "the refused login is logged: " + log.messages());
            for (String message : log.messages()) {
                assertEquals(1, message.lines().count(), "one log line: " + message);
            }
            String refused = log.messages().stream().filter(m -> m.contains("TWO PRIMARIES")).findFirst().orElseThrow();
            assertTrue(refused.contains("user=x\\n12:00:00.000 ERROR [auriga-monitor] Monitor - TWO PRIMARIES"),
                    refused);
        }
    }

    @Test
    void connectionsBeyondTheLimitsAreRefusedAtOnceAndTheOthersGoOn(ProxiedCluster cluster) throws Exception {
        try (AurigaServer limited = limitedProxy(cluster, 4, 2)) {
            int port = limited.port("main", "writer");
            try (RawClient idle1 = new RawClient(port, 5000, "127.0.0.2");
                 RawClient idle2 = new RawClient(port, 5000, "127.0.0.2")) {
                try (RawClient third = new RawClient(port, 5000, "127.0.0.2")) {
                    Map<Character, String> error = third.readError();
                    assertEquals("53300", error.get('C'));
                    assertTrue(error.get('M').contains("from 127.0.0.2 that have not logged in yet: at most 2 "
                            + "(server.max-startup-per-address)"), error.get('M'));
                    assertTrue(third.closedByPeer());
                }
                // Idle strangers on another address neither hold up nor count against these logins.
                try (Connection first = cluster.connect(port, ""); Connection second = cluster.connect(port, "")) {
                    assertEquals(1, selectOne(first));
                    try (RawClient fifth = new RawClient(port, 5000)) {
                        Map<Character, String> error = fifth.readError();
                        assertEquals("53300", error.get('C'));
                        assertTrue(error.get('M').contains("at most 4 client connections (server.max-connections)"),
                                error.get('M'));
                        assertTrue(fifth.closedByPeer());
                    }
                    PSQLException refused = assertThrows(PSQLException.class, () -> cluster.connect(port, "").close());
                    assertEquals("53300", refused.getSQLState(), refused.getMessage());
                    assertEquals(1, selectOne(second), "the sessions already open go on");
                }
                // Closing gives the places back.
                assertTrue(Poll.poll(Duration.ofSeconds(5), () -> {
                    try (Connection again = cluster.connect(port, "")) {
                        return selectOne(again) == 1;
                    } catch (PSQLException e) {
                        return false;
                    }
                }), "a login succeeds once sessions have closed");
            }
        }
    }

    private static int selectOne(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A second proxy in front of the same cluster, with connection limits of its own. */
    private static AurigaServer limitedProxy(ProxiedCluster cluster, int maxConnections, int maxStartupPerAddress)
            throws IOException {
        ServerConfig d = ServerConfig.defaults();
        ServerConfig server = new ServerConfig("127.0.0.1", 1, TestTransport.configured(), d.startupTimeout(),
                d.connectTimeout(), d.maxStartupPacket(), d.userCacheTtl())
                .withConnectionLimits(maxConnections, maxStartupPerAddress);
        AurigaConfig config = new AurigaConfig(List.of(SandboxCluster.config(cluster.sandbox(), "main", "127.0.0.1",
                0, 0)), List.of(), TlsConfig.disabled(), new AdminConfig("127.0.0.1", 0), server);
        Clock clock = Clock.systemUTC();
        AurigaServer proxy = new AurigaServer(config, Map.of(Engine.POSTGRES, new PgEngineSupport(clock)), clock);
        proxy.start();
        return proxy;
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

    private static Connection login(ProxiedCluster cluster, String user, String password) throws SQLException {
        return java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.writerPort()
                + "/auriga?sslmode=disable", user, password);
    }
}
