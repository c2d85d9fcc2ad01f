package io.auriga.mysql.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * One admin connection to one instance for the length of a failover step, all of it bounded by one
 * deadline: the connect, every statement (query timeout = time left) and every wait. Each call names its
 * step, and a failure is rethrown as {@code "<instance>: <step> failed: <cause>"}, so the orchestrator's
 * log says which step broke where.
 */
final class AdminSession implements AutoCloseable {

    /** Socket reads may take this much longer than the deadline, so the query timeout fires first. */
    private static final long SOCKET_SLACK_MILLIS = 2_000;
    private static final long POLL_MILLIS = 100;

    private final InstanceConfig instance;
    private final Deadline deadline;
    private final Connection connection;
    private final ServerFlavour flavour;

    private AdminSession(InstanceConfig instance, Deadline deadline, Connection connection, ServerFlavour flavour) {
        this.instance = instance;
        this.deadline = deadline;
        this.connection = connection;
        this.flavour = flavour;
    }

    /** Connects with the cluster's admin credentials and detects the server's flavour. */
    static AdminSession open(ClusterConfig cluster, InstanceConfig instance, Deadline deadline) throws SQLException {
        long left = deadline.millisLeft();
        if (left <= 0) {
            throw new SQLException(instance.name() + ": no time left to connect");
        }
        var properties = MariaDbJdbc.properties(cluster, Duration.ofMillis(left + SOCKET_SLACK_MILLIS));
        properties.setProperty("connectTimeout", Long.toString(left));
        Connection c;
        try {
            c = DriverManager.getConnection(MariaDbJdbc.url(instance), properties);
        } catch (SQLException e) {
            throw new SQLException(instance.name() + ": connecting as " + cluster.adminCredentials().user()
                    + " failed: " + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@version, @@version_comment")) {
            rs.next();
            return new AdminSession(instance, deadline, c, ServerFlavour.detect(rs.getString(1), rs.getString(2)));
        } catch (SQLException | IllegalArgumentException e) {
            c.close();
            throw new SQLException(instance.name() + ": reading the server version failed: " + e.getMessage(), e);
        }
    }

    ServerFlavour flavour() {
        return flavour;
    }

    String name() {
        return instance.name();
    }

    /** Runs {@code statements} in order as one step. */
    void execute(String step, List<String> statements) throws SQLException {
        try (Statement st = statement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw failed(step, e);
        }
    }

    void execute(String step, String sql) throws SQLException {
        execute(step, List.of(sql));
    }

    /** The first column of the first row, or null when there is no row. */
    String queryString(String step, String sql) throws SQLException {
        try (Statement st = statement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw failed(step, e);
        }
    }

    /** Runs a query as one step and hands its result to {@code reader}. */
    void query(String step, String sql, RowReader reader) throws SQLException {
        try (Statement st = statement(); ResultSet rs = st.executeQuery(sql)) {
            reader.read(rs);
        } catch (SQLException e) {
            throw failed(step, e);
        }
    }

    /** Reads a result set inside a step. */
    @FunctionalInterface
    interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    /** A global system variable's value, null when the server has no such variable (plugin not loaded). */
    String variable(String name) throws SQLException {
        return showValue("reading @@" + name, "SHOW GLOBAL VARIABLES LIKE " + ServerFlavour.literal(name));
    }

    /** A global status variable's value, null when the server has none of that name. */
    String status(String name) throws SQLException {
        return showValue("reading status " + name, "SHOW GLOBAL STATUS LIKE " + ServerFlavour.literal(name));
    }

    private String showValue(String step, String sql) throws SQLException {
        try (Statement st = statement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(2) : null;
        } catch (SQLException e) {
            throw failed(step, e);
        }
    }

    /** The replication status, or null when no replication connection is configured. */
    ReplicaStatus replicaStatus(String step) throws SQLException {
        try (Statement st = statement(); ResultSet rs = st.executeQuery(flavour.showReplicaStatus)) {
            return rs.next() ? ReplicaStatus.read(rs, flavour) : null;
        } catch (SQLException e) {
            throw failed(step, e);
        }
    }

    /** Whether {@code @@read_only} is off. */
    boolean writable(String step) throws SQLException {
        return "0".equals(queryString(step, "SELECT @@GLOBAL.read_only"));
    }

    /**
     * Waits, within the deadline, until the server has applied {@code position} (a GTID position of its
     * flavour), with the server's own wait function.
     *
     * @return whether it did
     */
    boolean awaitApplied(String step, String position) throws SQLException {
        return awaitApplied(step, position, deadline);
    }

    /** As {@link #awaitApplied(String, String)}, waiting until {@code until} (no later than the session's deadline). */
    boolean awaitApplied(String step, String position, Deadline until) throws SQLException {
        long left = Math.min(until.millisLeft(), deadline.millisLeft());
        if (left <= 0) {
            return false;
        }
        try (PreparedStatement ps = connection.prepareStatement(flavour.waitForPosition)) {
            ps.setQueryTimeout(seconds(left) + 1);
            ps.setString(1, position);
            ps.setDouble(2, left / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 0 && !rs.wasNull();
            }
        } catch (SQLException e) {
            throw failed(step, e);
        }
    }

    /** Polls the replication status until both threads run, within the deadline; the last status either way. */
    ReplicaStatus awaitRunning(String step) throws SQLException, InterruptedException {
        ReplicaStatus status = replicaStatus(step);
        while (status != null && !status.running() && deadline.millisLeft() > POLL_MILLIS) {
            Thread.sleep(POLL_MILLIS);
            status = replicaStatus(step);
        }
        return status;
    }

    /** An exception saying {@code step} failed on this instance because of {@code cause}. */
    SQLException failed(String step, Exception cause) {
        if (cause instanceof SQLException e) {
            return new SQLException(instance.name() + ": " + step + " failed: " + e.getMessage(), e.getSQLState(),
                    e.getErrorCode(), e);
        }
        return new SQLException(instance.name() + ": " + step + " failed: " + cause.getMessage(), cause);
    }

    /** An exception saying {@code step} did not finish on this instance, with why. */
    SQLException notDone(String step, String why) {
        return new SQLException(instance.name() + ": " + step + " failed: " + why);
    }

    private Statement statement() throws SQLException {
        long left = deadline.millisLeft();
        if (left <= 0) {
            throw new SQLException("the step's time ran out");
        }
        Statement st = connection.createStatement();
        st.setQueryTimeout(seconds(left));
        return st;
    }

    private static int seconds(long millis) {
        return (int) Math.max(1, (millis + 999) / 1000);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // The session is over either way.
        }
    }
}
