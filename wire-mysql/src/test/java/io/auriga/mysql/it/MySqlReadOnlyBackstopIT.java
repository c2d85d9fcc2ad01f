package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reader endpoint's server-side backstop: what the lexical check cannot see (dynamic SQL, a
 * procedure, a statement longer than the part it reads) lifts the session's read-only flag on the
 * replica, the replica reports it, and the session ends before the next statement. The account holds
 * ALL PRIVILEGES (READ ONLY ADMIN on MariaDB 10.11), so the replica's read_only alone would not stop it.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MySqlReadOnlyBackstopIT {
    private static final String USER = "backstop_all";
    private static final String PASSWORD = "everything";
    private static final String TABLE = "backstop_guard";

    private String table;

    @BeforeAll
    void setUp(ProxiedMariaDb cluster) throws Exception {
        String database = cluster.sandbox().database();
        table = database + "." + TABLE;
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            st.execute("DROP USER IF EXISTS " + USER + "@'%'");
            st.execute("CREATE USER " + USER + "@'%' IDENTIFIED BY '" + PASSWORD + "'");
            st.execute("GRANT ALL ON *.* TO " + USER + "@'%'");
            st.execute("CREATE OR REPLACE TABLE " + table + " (x int)");
            st.execute("CREATE OR REPLACE PROCEDURE " + database + ".lift_read_only() SET SESSION TRANSACTION READ WRITE");
            st.execute("CREATE OR REPLACE PROCEDURE " + database + ".lift_between_results() BEGIN SELECT 1; "
                    + "SET SESSION TRANSACTION READ WRITE; SELECT 2; END");
            st.execute("CREATE OR REPLACE PROCEDURE " + database + ".just_read() BEGIN SELECT COUNT(*) FROM " + table
                    + "; SET @seen = 1; END");
        }
        awaitOnReplicas(cluster, "SELECT COUNT(*) FROM information_schema.routines WHERE routine_name IN "
                + "('lift_read_only', 'lift_between_results', 'just_read')", 3);
    }

    private Connection reader(ProxiedMariaDb cluster, boolean mariadb, String extra) throws SQLException {
        Properties who = new Properties();
        who.setProperty("user", USER);
        who.setProperty("password", PASSWORD);
        return DriverManager.getConnection(mariadb ? cluster.mariadbUrl(cluster.readerPort(), extra)
                : cluster.mysqlUrl(cluster.readerPort(), extra), who);
    }

    /**
     * Runs {@code lifting} one by one on a reader session: the last must end the session with 1792 25006,
     * and the INSERT tried after it must not run anywhere.
     */
    private void endsTheSession(ProxiedMariaDb cluster, boolean mariadb, String extra, String... lifting)
            throws SQLException {
        try (Connection c = reader(cluster, mariadb, extra); Statement st = c.createStatement()) {
            assertEquals(1, scalar(st, "SELECT @@tx_read_only"));
            for (int i = 0; i < lifting.length - 1; i++) {
                st.execute(lifting[i]);
            }
            String last = lifting[lifting.length - 1];
            SQLException e = assertThrows(SQLException.class, () -> st.execute(last), last);
            assertEquals(1792, e.getErrorCode(), last + ": " + e.getMessage());
            assertEquals("25006", e.getSQLState(), last);
            assertTrue(e.getMessage().contains("session is ended"), e.getMessage());
            assertThrows(SQLException.class, () -> st.execute("INSERT INTO " + table + " VALUES (1)"),
                    "the session went on after " + last);
        }
    }

    @Test
    void dynamicSqlThatLiftsReadOnlyEndsTheSession(ProxiedMariaDb cluster) throws Exception {
        for (boolean mariadb : List.of(true, false)) {
            endsTheSession(cluster, mariadb, "", "SET @v = 'SET SESSION TRANSACTION READ WRITE'",
                    "PREPARE s FROM @v", "EXECUTE s");
            endsTheSession(cluster, mariadb, "", "SET @v = CONCAT('SET tx_read_', 'only = 0')",
                    "EXECUTE IMMEDIATE @v");
            // Only the next transaction is read-write: the server reports its characteristics.
            endsTheSession(cluster, mariadb, "", "SET @v = 'SET TRANSACTION READ WRITE'", "PREPARE s FROM @v",
                    "EXECUTE s");
            endsTheSession(cluster, mariadb, "", "EXECUTE IMMEDIATE CONCAT('START TRANSACTION READ ', 'WRITE')");
        }
        assertNothingLanded(cluster);
    }

    @Test
    void aProcedureThatLiftsReadOnlyEndsTheSession(ProxiedMariaDb cluster) throws Exception {
        for (boolean mariadb : List.of(true, false)) {
            endsTheSession(cluster, mariadb, "", "CALL lift_read_only()");
            endsTheSession(cluster, mariadb, "", "CALL lift_between_results()");
        }
        assertNothingLanded(cluster);
    }

    @Test
    void aStatementLongerThanTheLexicalCheckReadsEndsTheSession(ProxiedMariaDb cluster) throws Exception {
        String padding = "/* " + "x".repeat(70 * 1024) + " */ ";
        for (boolean mariadb : List.of(true, false)) {
            endsTheSession(cluster, mariadb, "", padding + "SET SESSION TRANSACTION READ WRITE");
        }
        assertNothingLanded(cluster);
    }

    /**
     * A client without CLIENT_SESSION_TRACK gets the backstop too, and OK packets laid out as a server
     * lays them out for it: no session state, no SESSION_STATE_CHANGED flag.
     */
    @Test
    void aClientWithoutSessionTrackIsGuardedAndSeesNoSessionState(ProxiedMariaDb cluster) throws Exception {
        try (MySqlRawClient raw = new MySqlRawClient(cluster.readerPort(), 5000)) {
            raw.login(USER, PASSWORD);
            // autocommit is tracked by default: the backend's OK carries it, the client's must not.
            raw.query("SET autocommit = 0");
            byte[] ok = raw.read();
            assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0}, ok, "OK as MariaDB writes it without session state");
            raw.query("SET autocommit = 1, time_zone = '+01:00'");
            ok = raw.read();
            assertEquals(7, ok.length);
            assertEquals(0, ok[4] & 0x40, "SESSION_STATE_CHANGED reached the client");
            assertEquals("1", raw.ask("SELECT @@tx_read_only"));
            raw.query("SET @v = 'SET SESSION TRANSACTION READ WRITE'");
            assertEquals(0, raw.read()[0]);
            raw.query("PREPARE s FROM @v");
            assertEquals(0, raw.read()[0]);
            raw.query("EXECUTE s");
            String[] error = raw.readError();
            assertEquals("1792", error[0], error[2]);
            assertEquals("25006", error[1]);
            assertTrue(raw.closedByPeer(), "the session went on");
        }
    }

    /** COM_RESET_CONNECTION would give the session the server's global settings: it stays read-only and watched. */
    @Test
    void aResetSessionStaysReadOnlyAndWatched(ProxiedMariaDb cluster) throws Exception {
        try (MySqlRawClient raw = new MySqlRawClient(cluster.readerPort(), 5000)) {
            raw.login(USER, PASSWORD);
            raw.packet(0, new byte[] {0x1F});
            assertEquals(0, raw.read()[0], "OK to COM_RESET_CONNECTION");
            assertEquals("1", raw.ask("SELECT @@tx_read_only"));
            assertEquals("ERR 1792", raw.ask("INSERT INTO " + table + " VALUES (2)"));
            raw.query("EXECUTE IMMEDIATE 'SET SESSION TRANSACTION READ WRITE'");
            assertEquals("1792", raw.readError()[0]);
        }
        assertNothingLanded(cluster);
    }

    /**
     * The settings that make the server report a lifted flag: a change the server would not report
     * is refused or ends the session, and what drivers set at connect keeps the backstop on.
     */
    @Test
    void theTrackingSettingsCannotBeSwitchedOff(ProxiedMariaDb cluster) throws Exception {
        for (boolean mariadb : List.of(true, false)) {
            try (Connection c = reader(cluster, mariadb, ""); Statement st = c.createStatement()) {
                for (String sql : List.of("SET STATEMENT session_track_system_variables = '' FOR SELECT 1",
                        "SET STATEMENT session_track_transaction_info = OFF FOR SELECT 1")) {
                    SQLException e = assertThrows(SQLException.class, () -> st.execute(sql), sql);
                    assertEquals(1792, e.getErrorCode(), e.getMessage());
                }
                assertTrue(scalarText(st, "SELECT @@session_track_system_variables").contains("tx_read_only"));
                st.execute("SET session_track_system_variables = 'autocommit', session_track_transaction_info = OFF");
                String tracked = scalarText(st, "SELECT @@session_track_system_variables");
                assertTrue(tracked.startsWith("autocommit,") && tracked.contains("tx_read_only"), tracked);
                assertEquals("CHARACTERISTICS", scalarText(st, "SELECT @@session_track_transaction_info"));
                st.execute("SET session_track_system_variables = DEFAULT");
                assertTrue(scalarText(st, "SELECT @@session_track_system_variables").contains("tx_read_only"));
            }
            endsTheSession(cluster, mariadb, "", "EXECUTE IMMEDIATE "
                    + "'SET session_track_system_variables = ''session_track_system_variables,autocommit'''");
            endsTheSession(cluster, mariadb, "", "EXECUTE IMMEDIATE 'SET session_track_transaction_info = STATE'");
            endsTheSession(cluster, mariadb, "", "SET @v = 'SET SESSION TRANSACTION READ WRITE'",
                    "SET session_track_system_variables = ''", "EXECUTE IMMEDIATE @v");
        }
        assertNothingLanded(cluster);
    }

    /** What drivers do on a reader session (autocommit, isolation, schema, character set) goes on as before. */
    @Test
    void ordinaryReaderSessionsGoOnUnhindered(ProxiedMariaDb cluster) throws Exception {
        for (boolean mariadb : List.of(true, false)) {
            for (String extra : List.of("", "useServerPrepStmts=true")) {
                try (Connection c = reader(cluster, mariadb, extra); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    assertEquals(0, scalar(st, "SELECT COUNT(*) FROM " + table));
                    c.commit();
                    c.setAutoCommit(true);
                    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                    st.execute("SET NAMES utf8mb4");
                    st.execute("SET time_zone = '+02:00'");
                    st.execute("USE mysql");
                    assertEquals("mysql", scalarText(st, "SELECT DATABASE()"));
                    try (var ps = c.prepareStatement("SELECT ? + 1")) {
                        ps.setInt(1, 41);
                        try (ResultSet rs = ps.executeQuery()) {
                            assertTrue(rs.next());
                            assertEquals(42, rs.getInt(1));
                        }
                    }
                    st.execute("START TRANSACTION READ ONLY");
                    st.execute("COMMIT");
                    st.execute("CALL " + cluster.sandbox().database() + ".just_read()");
                    assertEquals(1, scalar(st, "SELECT @@tx_read_only"));
                    assertFalse(c.isClosed());
                }
            }
        }
    }

    /** Nothing reached the replicas' table, and replication runs on. */
    private void assertNothingLanded(ProxiedMariaDb cluster) throws SQLException {
        for (var replica : cluster.sandbox().replicas()) {
            try (Connection c = cluster.admin(replica); Statement st = c.createStatement()) {
                assertEquals(0, scalar(st, "SELECT COUNT(*) FROM " + table), replica.name());
                try (ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
                    assertTrue(rs.next(), replica.name());
                    assertEquals("Yes", rs.getString("Slave_SQL_Running"), replica.name());
                    assertEquals("Yes", rs.getString("Slave_IO_Running"), replica.name());
                    assertEquals(0, rs.getInt("Last_SQL_Errno"), rs.getString("Last_SQL_Error"));
                }
            }
        }
    }

    private static void awaitOnReplicas(ProxiedMariaDb cluster, String query, long expected) throws Exception {
        for (var replica : cluster.sandbox().replicas()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long seen;
            do {
                try (Connection c = cluster.admin(replica); Statement st = c.createStatement()) {
                    seen = scalar(st, query);
                }
                if (seen != expected) {
                    Thread.sleep(50);
                }
            } while (seen != expected && System.nanoTime() < deadline);
            assertEquals(expected, seen, replica.name() + ": " + query);
        }
    }

    private static long scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    private static String scalarText(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }
}
