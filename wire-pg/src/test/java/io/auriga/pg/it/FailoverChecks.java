package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.auriga.sandbox.pg.PgSandbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits and checks shared by the failover and switchover tests; every wait is bounded. The session
 * checks use a schema {@code <label>_schema} holding table {@code marker}, an idle session that found
 * it through {@code search_path} with a server-prepared statement, and a warm pool of four connections.
 */
final class FailoverChecks {
    private static final String MARKER = "found through search_path";
    private static final int POOL_SIZE = 4;

    private FailoverChecks() {
    }

    /** Creates {@code <label>_schema.marker} holding the marker row. */
    static void createMarker(Statement st, String label) throws SQLException {
        st.execute("CREATE SCHEMA " + label + "_schema");
        st.execute("CREATE TABLE " + label + "_schema.marker (v text)");
        st.execute("INSERT INTO " + label + "_schema.marker VALUES ('" + MARKER + "')");
    }

    /**
     * An idle writer session with SETs ({@code search_path} to {@code <label>_schema}, {@code application_name}
     * {@code kept across <label>}) and a server-side prepared statement (prepareThreshold=1).
     */
    static Connection idleSessionWithState(ProxiedCluster cluster, String label) throws SQLException {
        Connection c = cluster.connect(cluster.writerPort(), "prepareThreshold=1");
        try (Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + label + "_schema, public");
            st.execute("SET application_name TO 'kept across " + label + "'");
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(MARKER, markerThroughPrepared(c));
        }
        return c;
    }

    /** The session of {@link #idleSessionWithState} still has its state and runs on {@code primaryPort}. */
    static void idleSessionSurvived(Connection idle, String label, int primaryPort) throws SQLException {
        assertEquals(MARKER, markerThroughPrepared(idle));
        try (Statement st = idle.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT current_setting('application_name'), inet_server_port()")) {
            rs.next();
            assertEquals("kept across " + label, rs.getString(1));
            assertEquals(primaryPort, rs.getInt(2));
        }
        // The moved session keeps the cancel key it got at login; pgjdbc's query timeout cancels with it.
        try (Statement st = idle.createStatement()) {
            st.setQueryTimeout(1);
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> st.execute("SELECT pg_sleep(30)"));
            assertEquals("57014", e.getSQLState(), e.getMessage());
        }
    }

    /**
     * An idle session of the token user ({@link ProxiedCluster#TOKEN_USER}) on the writer endpoint, over
     * TLS, with a setting: the proxy moves it with the user's configured database password.
     */
    static Connection idleTokenSession(ProxiedCluster cluster, String label) throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", ProxiedCluster.TOKEN_USER);
        p.setProperty("password", cluster.token(ProxiedCluster.TOKEN_USER, java.time.Duration.ofMinutes(15),
                java.time.Instant.now()));
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "120");
        Connection c = java.sql.DriverManager.getConnection(cluster.url(cluster.writerPort(), "")
                .replace("sslmode=disable", "sslmode=require"), p);
        try (Statement st = c.createStatement()) {
            st.execute("SET application_name TO 'token kept across " + label + "'");
        }
        return c;
    }

    /** The session of {@link #idleTokenSession} still has its setting and user, and runs on {@code primaryPort}. */
    static void idleTokenSessionSurvived(Connection idle, String label, int primaryPort) throws SQLException {
        try (Statement st = idle.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT current_setting('application_name'), current_user, inet_server_port()")) {
            rs.next();
            assertEquals("token kept across " + label, rs.getString(1));
            assertEquals(ProxiedCluster.TOKEN_USER, rs.getString(2));
            assertEquals(primaryPort, rs.getInt(3));
        }
    }

    private static String markerThroughPrepared(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v, ?::int FROM marker")) {
            ps.setInt(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** A pool of four connections to the writer endpoint, all open. */
    static HikariDataSource pool(ProxiedCluster cluster) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(cluster.url(cluster.writerPort(), ""));
        config.setUsername(cluster.sandbox().user());
        config.setPassword(cluster.sandbox().password());
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(POOL_SIZE);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }

    /**
     * Holds every connection of {@code pool} at once and runs {@code sql} (one {@code int} parameter, 0)
     * {@code executions} times on each; pgjdbc server-prepares a statement after five. With
     * {@code primaryPort > 0}, {@code sql} must return the server port second, and it is checked.
     */
    static void usePool(HikariDataSource pool, String sql, int executions, int primaryPort) throws SQLException {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < POOL_SIZE; i++) {
                Connection c = pool.getConnection();
                held.add(c);
                for (int j = 0; j < executions; j++) {
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setInt(1, 0);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (primaryPort > 0) {
                                assertTrue(rs.next(), sql + " returned no row");
                                assertEquals(primaryPort, rs.getInt(2));
                            }
                        }
                    }
                }
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }

    /** {@link #usePool} checking the port, then that the pool still holds its four connections. */
    static void poolSurvived(HikariDataSource pool, String sql, int executions, int primaryPort) throws SQLException {
        usePool(pool, sql, executions, primaryPort);
        assertEquals(POOL_SIZE, pool.getHikariPoolMXBean().getTotalConnections(), "the pool kept its four connections");
    }

    /** Inserts row {@code id} through the writer endpoint, retrying on new connections; returns the server port. */
    static int writeUntilAccepted(ProxiedCluster cluster, String table, int id, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + table + " (id) VALUES (" + id + ")");
                try (ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
                    rs.next();
                    return rs.getInt(1);
                }
            } catch (SQLException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError("writes did not resume within " + timeout, last);
    }

    /** Asks on a fresh connection each time: fencing ends the sessions that were open. */
    static boolean readOnly(ProxiedCluster cluster, PgSandbox.Instance instance) {
        try (Connection admin = cluster.admin(instance); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('default_transaction_read_only')")) {
            rs.next();
            return rs.getString(1).equals("on");
        } catch (SQLException e) {
            return false;
        }
    }

}
