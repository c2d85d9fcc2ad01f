package io.auriga.sandbox.pg;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGConnection;

/**
 * The SQL the sandbox runs over pgjdbc, always on {@code 127.0.0.1} with short timeouts.
 * Identifiers are validated by {@link PgSandboxOptions}, so quoting them is enough.
 */
final class SandboxSql {

    private static final int CONNECT_TIMEOUT_SECONDS = 5;
    private static final int SOCKET_TIMEOUT_SECONDS = 30;
    private static final long POLL_MILLIS = 100;

    private SandboxSql() {
    }

    /** The pgjdbc URL of a database on {@code 127.0.0.1:port}. */
    static String jdbcUrl(int port, String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Opens a connection with the sandbox's timeouts. */
    static Connection connect(int port, String database, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        props.setProperty("ApplicationName", "auriga-sandbox");
        return DriverManager.getConnection(jdbcUrl(port, database), props);
    }

    /**
     * Creates the application login role and its database. The password is hashed to a SCRAM
     * verifier by the driver, so it never reaches the server (or its log) in clear.
     */
    static void createApplicationUser(Connection admin, String user, String password, String database)
            throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("CREATE ROLE " + quote(user) + " LOGIN");
            admin.unwrap(PGConnection.class).alterUserPassword(user, password.toCharArray(), "scram-sha-256");
            st.execute("CREATE DATABASE " + quote(database) + " OWNER " + quote(user));
        }
    }

    /** Creates login role {@code user} as a member of {@code group} unless it exists, and sets its password. */
    static void ensureMember(Connection admin, String user, String password, String group) throws SQLException {
        try (PreparedStatement exists = admin.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            exists.setString(1, user);
            try (var rs = exists.executeQuery(); Statement st = admin.createStatement()) {
                if (!rs.next()) {
                    st.execute("CREATE ROLE " + quote(user) + " LOGIN IN ROLE " + quote(group));
                }
            }
        }
        admin.unwrap(PGConnection.class).alterUserPassword(user, password.toCharArray(), "scram-sha-256");
    }

    /** Creates physical replication slot {@code name} unless it exists. */
    static void createSlot(Connection admin, String name) throws SQLException {
        try (PreparedStatement st = admin.prepareStatement(
                "SELECT pg_create_physical_replication_slot(?) "
                        + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
            st.setString(1, name);
            st.setString(2, name);
            st.execute();
        }
    }

    /**
     * Creates physical replication slot {@code name} unless it exists, reserving WAL at once: a server
     * that will only connect minutes later (after a rewind) finds everything since still there.
     */
    static void createReservedSlot(Connection admin, String name) throws SQLException {
        try (PreparedStatement st = admin.prepareStatement(
                "SELECT pg_create_physical_replication_slot(?, true) "
                        + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
            st.setString(1, name);
            st.setString(2, name);
            st.execute();
        }
    }

    /** Runs {@code CHECKPOINT} (superuser only). */
    static void checkpoint(Connection admin) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("CHECKPOINT");
        }
    }

    /** {@code pg_is_in_recovery()}: whether the server is a standby. */
    static boolean isInRecovery(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Whether the server takes writes: not in recovery and not fenced ({@code default_transaction_read_only}
     * off; a fenced former primary is out of recovery too).
     */
    static boolean isWritablePrimary(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT NOT pg_is_in_recovery() AND NOT current_setting('default_transaction_read_only')::boolean")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Drops the physical replication slots no standby uses.
     *
     * @return their names
     */
    static List<String> dropInactivePhysicalSlots(Connection c) throws SQLException {
        List<String> dropped = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT slot_name, pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                        + "WHERE slot_type = 'physical' AND NOT active")) {
            while (rs.next()) {
                dropped.add(rs.getString(1));
            }
        }
        return dropped;
    }

    /**
     * Waits until the primary's {@code pg_stat_replication} shows {@code applicationName} in state
     * {@code streaming}.
     *
     * @return whether it did before {@code timeout}
     */
    static boolean awaitStreaming(Connection primary, String applicationName, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (PreparedStatement st = primary.prepareStatement(
                "SELECT 1 FROM pg_stat_replication WHERE application_name = ? AND state = 'streaming'")) {
            st.setString(1, applicationName);
            while (true) {
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return true;
                    }
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                Thread.sleep(Math.min(POLL_MILLIS, Math.max(1, remaining / 1_000_000)));
            }
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
