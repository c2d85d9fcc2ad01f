package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.AurigaConfig;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.testing.Bystander;
import io.auriga.core.testing.CapturedLog;
import io.auriga.core.testing.Poll;
import io.auriga.core.testing.TestTransport;
import io.auriga.mysql.engine.MariaDbEngineSupport;
import io.auriga.mysql.frontend.MySqlSession;
import io.auriga.sandbox.mariadb.MariaDbSandboxCluster;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input through the writer endpoint: each case gets the server's error (or a close where the
 * protocol gives no way to answer), and a session opened beforehand, inside a transaction, keeps working.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlBadInputIT {
    private Bystander bystander;

    @BeforeEach
    void openBystander(ProxiedMariaDb cluster) throws SQLException {
        bystander = Bystander.open(cluster.mariadb(cluster.writerPort(), ""), "CREATE TEMPORARY TABLE bystander (x int)",
                "START TRANSACTION", "INSERT INTO bystander VALUES (1)");
    }

    @AfterEach
    void bystanderIsUndisturbed() throws SQLException {
        bystander.assertUndisturbed();
    }

    @Test
    void garbageBytesGetAnErrorAndAClose(ProxiedMariaDb cluster) throws IOException {
        try (MySqlRawClient raw = new MySqlRawClient(cluster.writerPort(), 5000)) {
            raw.greeting();
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            String[] error = raw.readError();
            assertEquals("08S01", error[1], String.join(" ", error));
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void anImpossiblePacketLengthIsRefusedWithoutWaitingForIt(ProxiedMariaDb cluster) throws IOException {
        try (MySqlRawClient raw = new MySqlRawClient(cluster.writerPort(), 5000)) {
            raw.greeting();
            raw.send(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1});
            String[] error = raw.readError();
            assertEquals("1153", error[0]);
            assertEquals("08S01", error[1]);
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void aWrongSequenceIdIsRefused(ProxiedMariaDb cluster) throws IOException {
        try (MySqlRawClient raw = new MySqlRawClient(cluster.writerPort(), 5000)) {
            raw.greeting();
            raw.packet(7, MySqlRawClient.handshakeResponse("auriga", new byte[20], "mysql_native_password"));
            String[] error = raw.readError();
            assertEquals("1156", error[0]);
            assertEquals("Got packets out of order", error[2]);
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void aCompressedPacketThatDoesNotInflateAsItsHeaderSaysGetsAnErrorAndAClose(ProxiedMariaDb cluster)
            throws IOException {
        // zlib of 4 MiB of zeros, its header claiming 1000 bytes; then bytes that are not zlib at all.
        java.util.zip.Deflater deflater = new java.util.zip.Deflater();
        deflater.setInput(new byte[4 << 20]);
        deflater.finish();
        byte[] z = new byte[64 << 10];
        int n = deflater.deflate(z);
        deflater.end();
        byte[] bomb = new byte[7 + n];
        bomb[0] = (byte) n;
        bomb[1] = (byte) (n >>> 8);
        bomb[4] = (byte) 0xE8;
        bomb[5] = 0x03;
        System.arraycopy(z, 0, bomb, 7, n);
        byte[] garbage = {8, 0, 0, 0, 100, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
        for (byte[] packet : new byte[][] {bomb, garbage}) {
            try (MySqlRawClient raw = new MySqlRawClient(cluster.writerPort(), 5000)) {
                raw.login(cluster.sandbox().user(), cluster.sandbox().password(), 0x20);
                raw.send(packet);
                byte[] err = raw.readCompressed();
                assertEquals(0xFF, err[4] & 0xFF, "an ERR packet");
                String text = new String(err, 4 + 9, err.length - 4 - 9, java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(1157, (err[5] & 0xFF) | (err[6] & 0xFF) << 8, text);
                assertTrue(text.startsWith("Couldn't uncompress communication packet"), text);
                assertTrue(raw.closedByPeer());
            }
        }
    }

    @Test
    void anExpiredPasswordOpensTheSandboxOnlyForClientsThatHandleItAsDirectly(ProxiedMariaDb cluster)
            throws SQLException, IOException {
        String user = "expired_app";
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            st.execute("DROP USER IF EXISTS " + user + "@'%'");
            st.execute("CREATE USER " + user + "@'%' IDENTIFIED BY 'old-secret'");
            st.execute("GRANT SELECT ON *.* TO " + user + "@'%'");
            st.execute("ALTER USER " + user + "@'%' PASSWORD EXPIRE");
            // Off (the default), the server opens its sandbox to every client; on, only to those that declare
            // they can handle it.
            st.execute("SET GLOBAL disconnect_on_expired_password = ON");
        }
        try {
            expiredPasswordLogins(cluster, user);
        } finally {
            try (Connection admin = cluster.admin(cluster.sandbox().primary());
                 Statement st = admin.createStatement()) {
                st.execute("SET GLOBAL disconnect_on_expired_password = OFF");
                st.execute("DROP USER " + user + "@'%'");
            }
        }
    }

    private static void expiredPasswordLogins(ProxiedMariaDb cluster, String user) throws SQLException, IOException {
        int direct = cluster.sandbox().primary().port();
        for (int port : new int[] {direct, cluster.writerPort()}) {
            String where = port == direct ? "directly" : "through the writer endpoint";
            // Connector/J declares CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS only with disconnectOnExpiredPasswords=false.
            SQLException refused = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(cluster.mariadbUrl(port, ""), user, "old-secret"), where);
            assertEquals(1862, refused.getErrorCode(), where + ": " + refused.getMessage());
            try (Connection c = DriverManager.getConnection(cluster.mariadbUrl(port,
                    "disconnectOnExpiredPasswords=false"), user, "old-secret"); Statement st = c.createStatement()) {
                SQLException sandboxed = assertThrows(SQLException.class, () -> st.executeQuery("SELECT 1"));
                assertEquals(1820, sandboxed.getErrorCode(), where + ": " + sandboxed.getMessage());
                st.execute("SET PASSWORD = PASSWORD('new-secret')");
                try (ResultSet rs = st.executeQuery("SELECT 1")) {
                    assertTrue(rs.next(), where + ": the session is whole once the password is changed");
                }
            }
            try (Connection admin = cluster.admin(cluster.sandbox().primary());
                 Statement st = admin.createStatement()) {
                st.execute("ALTER USER " + user + "@'%' IDENTIFIED BY 'old-secret' PASSWORD EXPIRE");
            }
        }
    }

    @Test
    void aTruncatedHandshakeResponseIsABadHandshake(ProxiedMariaDb cluster) throws IOException {
        try (MySqlRawClient raw = new MySqlRawClient(cluster.writerPort(), 5000)) {
            raw.greeting();
            raw.packet(1, new byte[] {0, 2, 0, 0, 0});
            String[] error = raw.readError();
            assertEquals("1043", error[0]);
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void unknownUsersAndWrongPasswordsAreDeniedLikeTheServer(ProxiedMariaDb cluster) {
        for (String url : new String[] {cluster.mariadbUrl(cluster.writerPort(), ""),
                cluster.mysqlUrl(cluster.writerPort(), "")}) {
            SQLException unknown = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url, "nobody", "auriga"));
            assertEquals(1045, unknown.getErrorCode(), unknown.getMessage());
            assertEquals("28000", unknown.getSQLState());
            assertTrue(unknown.getMessage().contains("Access denied for user 'nobody'@'127.0.0.1' (using password: YES)"),
                    unknown.getMessage());
            SQLException wrong = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url, "auriga", "not-the-password"));
            assertEquals(1045, wrong.getErrorCode(), wrong.getMessage());
            assertTrue(wrong.getMessage().contains("Access denied for user 'auriga'@'127.0.0.1'"), wrong.getMessage());
            SQLException admin = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url, ProxiedMariaDb.CONFIG_USER, "auriga"));
            assertEquals(1045, admin.getErrorCode(), admin.getMessage());
        }
    }

    @Test
    void connectionsBeyondTheLimitsGetTooManyConnectionsInsteadOfTheHandshake(ProxiedMariaDb cluster)
            throws Exception {
        ServerConfig d = ServerConfig.defaults();
        AurigaConfig config = new AurigaConfig(List.of(MariaDbSandboxCluster.config(cluster.sandbox(), "main",
                "127.0.0.1", 0, 0, FailoverConfig.defaults())), List.of(), TlsConfig.disabled(),
                new AdminConfig("127.0.0.1", 0), new ServerConfig("127.0.0.1", 1, TestTransport.configured(),
                d.startupTimeout(), d.connectTimeout(), d.maxStartupPacket(), d.userCacheTtl())
                .withConnectionLimits(2, 1));
        Clock clock = Clock.systemUTC();
        try (AurigaServer limited = new AurigaServer(config, Map.of(Engine.MYSQL, new MariaDbEngineSupport(clock)),
                clock)) {
            limited.start();
            int port = limited.port("main", "writer");
            try (MySqlRawClient idle = new MySqlRawClient(port, 5000, "127.0.0.2")) {
                idle.greeting();
                try (MySqlRawClient second = new MySqlRawClient(port, 5000, "127.0.0.2")) {
                    String[] error = second.readError();
                    assertEquals("1040", error[0], String.join(" ", error));
                    assertEquals("08004", error[1]);
                    assertTrue(error[2].contains("(server.max-startup-per-address)"), error[2]);
                    assertTrue(second.closedByPeer());
                }
                try (Connection session = cluster.mariadb(port, "")) {
                    SQLException full = assertThrows(SQLException.class, () -> cluster.mariadb(port, "").close());
                    assertEquals(1040, full.getErrorCode(), full.getMessage());
                    assertTrue(full.getMessage().contains("(server.max-connections)"), full.getMessage());
                    try (Statement st = session.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                        assertTrue(rs.next(), "the session already open goes on");
                    }
                }
            }
        }
    }

    @Test
    void aUserNameCannotForgeALogLine(ProxiedMariaDb cluster) throws Exception {
        String forged = "x\n12:00:00.000 ERROR [auriga-monitor] Monitor - TWO PRIMARIES in cluster main";
        try (CapturedLog log = new CapturedLog(MySqlSession.class)) {
            SQLException denied = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(), ""), forged, "wrong"));
            assertEquals(1045, denied.getErrorCode(), denied.getMessage());
            assertTrue(Poll.poll(Duration.ofSeconds(5), () -> log.messages().stream()
                    .anyMatch(m -> m.contains("TWO PRIMARIES"))), "the refused login is logged: " + log.messages());
            for (String message : log.messages()) {
                assertEquals(1, message.lines().count(), "one log line: " + message);
            }
        }
    }

    @Test
    void aSilentClientIsDisconnectedAfterTheStartupTimeout(ProxiedMariaDb cluster) throws IOException {
        long start = System.nanoTime();
        try (MySqlRawClient raw = new MySqlRawClient(cluster.writerPort(), 10_000)) {
            raw.greeting();
            String[] error = raw.readError();
            assertEquals("08S01", error[1]);
            assertTrue(error[2].contains("did not complete authentication"), error[2]);
            assertTrue(raw.closedByPeer());
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= ProxiedMariaDb.STARTUP_TIMEOUT.toMillis() - 100, "closed too early: " + waited);
        assertTrue(waited < ProxiedMariaDb.STARTUP_TIMEOUT.toMillis() + 3000, "closed too late: " + waited);
    }

    @Test
    void aChangedPasswordCountsFromTheNextLogin(ProxiedMariaDb cluster) throws SQLException {
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        String url = cluster.mariadbUrl(cluster.writerPort(), "");
        try (Connection admin = cluster.admin(cluster.sandbox().instance(primary)); Statement st = admin.createStatement()) {
            st.execute("DROP USER IF EXISTS changes_password@'%'");
            st.execute("CREATE USER changes_password@'%' IDENTIFIED BY 'before'");
            st.execute("GRANT ALL ON " + cluster.sandbox().database() + ".* TO changes_password@'%'");
            DriverManager.getConnection(url, "changes_password", "before").close();
            st.execute("ALTER USER changes_password@'%' IDENTIFIED BY 'after'");
            // Directly, the first login after the change already takes the new password, and only it.
            DriverManager.getConnection(url, "changes_password", "after").close();
            SQLException old = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url, "changes_password", "before"));
            assertEquals(1045, old.getErrorCode(), old.getMessage());
        }
    }

    @Test
    void repeatedWrongPasswordsAreSlowedForThatAddressOnly(ProxiedMariaDb cluster) throws SQLException {
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        // The hold must not run into the driver's own timeouts.
        String url = cluster.mariadbUrl(cluster.writerPort(), "connectTimeout=10000");
        try (Connection admin = cluster.admin(cluster.sandbox().instance(primary)); Statement st = admin.createStatement()) {
            st.execute("DROP USER IF EXISTS guessed@'%'");
            st.execute("CREATE USER guessed@'%' IDENTIFIED BY 'right'");
            st.execute("GRANT ALL ON " + cluster.sandbox().database() + ".* TO guessed@'%'");
        }
        // Five failures in a row cost nothing (server.login-throttle defaults) ...
        for (int i = 0; i < 5; i++) {
            String guess = "guess" + i;
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "guessed", guess));
            assertEquals(1045, e.getErrorCode(), e.getMessage());
        }
        // ... the next attempt from this address is held a second before it is even checked.
        long start = System.nanoTime();
        SQLException held = assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "guessed", "guess5"));
        assertEquals(1045, held.getErrorCode(), held.getMessage());
        assertTrue(elapsedMillis(start) >= 800, "held " + elapsedMillis(start) + " ms");
        // Another address is not locked out: its first login as the same user goes through at once.
        start = System.nanoTime();
        DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(),
                "localSocketAddress=127.0.0.2&connectTimeout=10000"), "guessed",
                "right").close();
        assertTrue(elapsedMillis(start) < 800, "another address was held " + elapsedMillis(start) + " ms");
        // The right password from the guessing address still logs in, after its hold, and ends the run.
        DriverManager.getConnection(url, "guessed", "right").close();
        start = System.nanoTime();
        DriverManager.getConnection(url, "guessed", "right").close();
        assertTrue(elapsedMillis(start) < 800, "held after a success: " + elapsedMillis(start) + " ms");
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
