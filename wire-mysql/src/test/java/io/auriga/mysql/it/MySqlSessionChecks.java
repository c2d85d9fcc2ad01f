package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks shared by the tests that move the primary (failover, switchover): idle sessions with state
 * of their own, and a HikariCP pool, set up before the move and checked after it on the new primary.
 */
final class MySqlSessionChecks {
    /** A schema the idle sessions choose with USE; the test creates it and grants it to the sandbox user. */
    static final String OTHER_SCHEMA = "failover_other";

    private MySqlSessionChecks() {
    }

    /** An idle session set up with a setting, a schema and a prepared statement used once. */
    record Prepared(String driver, Connection connection, PreparedStatement statement) {
    }

    /**
     * Sets {@code c} up as an idle session with state: a session variable, {@link #OTHER_SCHEMA}, and a
     * server-side prepared statement whose id differs from the one a fresh backend would hand out (a
     * first statement is closed, so the kept one has id 2 and will be re-prepared as 1, and the next one
     * prepared on the new backend is given 2 there but must reach the client as another id).
     */
    static Prepared prepared(String driver, Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION wait_timeout = 12345");
            st.execute("USE " + OTHER_SCHEMA);
        }
        try (PreparedStatement first = c.prepareStatement("SELECT 'closed before the move', ?")) {
            first.setInt(1, 1);
            first.executeQuery().close();
        }
        PreparedStatement ps = c.prepareStatement("SELECT ? + 1, DATABASE(), @@session.wait_timeout");
        ps.setInt(1, 41);
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertEquals(42, rs.getInt(1), driver);
        }
        return new Prepared(driver, c, ps);
    }

    /** The idle session's state is all there, on the writable instance with {@code newServerId}; closes it. */
    static void idleSessionSurvived(Prepared p, long newServerId) throws SQLException {
        p.statement.setInt(1, 99);
        try (ResultSet rs = p.statement.executeQuery()) {
            rs.next();
            assertEquals(100, rs.getInt(1), p.driver + ": the prepared statement works after the move");
            assertEquals(OTHER_SCHEMA, rs.getString(2), p.driver + ": the schema chosen with USE survived");
            assertEquals(12345, rs.getInt(3), p.driver + ": the session variable survived");
        }
        try (Statement st = p.connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@server_id, @@read_only")) {
            rs.next();
            assertEquals(newServerId, rs.getLong(1), p.driver + ": the session runs on the new primary");
            assertEquals(0, rs.getInt(2), p.driver + ": and it is writable");
        }
        try (PreparedStatement ps = p.connection.prepareStatement("SELECT ? * 2")) {
            ps.setInt(1, 21);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(42, rs.getInt(1), p.driver + ": statements prepared after the move work too");
            }
        }
        p.statement.setInt(1, 1);
        try (ResultSet rs = p.statement.executeQuery()) {
            rs.next();
            assertEquals(2, rs.getInt(1), p.driver + ": the first statement keeps its own id");
        }
        p.statement.close();
        p.connection.close();
    }

    /** A pool of four connections through the writer endpoint, each used once with a server-side statement. */
    static HikariDataSource warmPool(ProxiedMariaDb cluster) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(cluster.mariadbUrl(cluster.writerPort(), "useServerPrepStmts=true"));
        config.setDataSourceProperties(cluster.credentials());
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(4);
        HikariDataSource pool = new HikariDataSource(config);
        List<Connection> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Connection c = pool.getConnection();
            held.add(c);
            try (PreparedStatement ps = c.prepareStatement("SELECT ?")) {
                ps.setInt(1, i);
                ps.executeQuery().close();
            }
        }
        for (Connection c : held) {
            c.close();
        }
        return pool;
    }

    /** Every pooled connection runs on {@code newServerId}, and none had to be replaced. */
    static void poolSurvived(HikariDataSource pool, long newServerId) throws SQLException {
        List<Connection> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Connection c = pool.getConnection();
            held.add(c);
            try (PreparedStatement ps = c.prepareStatement("SELECT @@server_id, ?")) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(newServerId, rs.getLong(1), "pooled connection " + i + " runs on the new primary");
                }
            }
        }
        for (Connection c : held) {
            c.close();
        }
        assertEquals(0, pool.getHikariPoolMXBean().getTotalConnections() - 4, "no connection was replaced");
    }
}
