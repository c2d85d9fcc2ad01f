package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
    private Connection bystander;

    @BeforeEach
    void openBystander(ProxiedMariaDb cluster) throws SQLException {
        bystander = cluster.mariadb(cluster.writerPort(), "");
        try (Statement st = bystander.createStatement()) {
            st.execute("CREATE TEMPORARY TABLE bystander (x int)");
            bystander.setAutoCommit(false);
            st.execute("INSERT INTO bystander VALUES (1)");
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
        String url = cluster.mariadbUrl(cluster.writerPort(), "");
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
        DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(), "localSocketAddress=127.0.0.2"), "guessed",
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
}
