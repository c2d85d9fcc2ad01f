package io.auriga.sandbox.mariadb;

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

/**
 * The SQL the sandbox runs over MariaDB Connector/J, always on {@code 127.0.0.1} with short
 * timeouts. Identifiers are validated by {@link MariaDbSandboxOptions}; string literals are escaped here.
 */
final class MariaDbSql {

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int SOCKET_TIMEOUT_MILLIS = 30_000;

    private MariaDbSql() {
    }

    /** The Connector/J URL of a database on {@code 127.0.0.1:port}. */
    static String jdbcUrl(int port, String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
    }

    /** Opens a connection with the sandbox's timeouts. */
    static Connection connect(int port, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_MILLIS));
        props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_MILLIS));
        return DriverManager.getConnection(jdbcUrl(port, ""), props);
    }

    /**
     * The statements {@code mariadb-install-db --extra-file} runs while creating the system tables:
     * the admin and replication accounts, identical on every instance and never in a binary log.
     * {@code FLUSH PRIVILEGES} first, because the bootstrap runs with the grant tables disabled.
     */
    static String bootstrapAccounts(String adminPassword, String replicationPassword) {
        String admin = account(MariaDbSandboxOptions.ADMIN_USER);
        String replication = account(MariaDbSandboxOptions.REPLICATION_USER);
        return "FLUSH PRIVILEGES;\n"
                + "CREATE USER " + admin + " IDENTIFIED BY " + literal(adminPassword) + ";\n"
                + "GRANT ALL PRIVILEGES ON *.* TO " + admin + " WITH GRANT OPTION;\n"
                + "CREATE USER " + replication + " IDENTIFIED BY " + literal(replicationPassword) + ";\n"
                + "GRANT REPLICATION SLAVE ON *.* TO " + replication + ";\n";
    }

    /**
     * Creates the application database and its user with {@code mysql_native_password}, on the
     * primary; the statements reach the replicas through replication.
     */
    static void createApplicationUser(Connection primary, String user, String password, String database)
            throws SQLException {
        try (Statement st = primary.createStatement()) {
            st.execute("CREATE DATABASE `" + database + "`");
            st.execute("CREATE USER " + account(user) + " IDENTIFIED VIA mysql_native_password USING PASSWORD("
                    + literal(password) + ")");
            st.execute("GRANT ALL PRIVILEGES ON `" + database + "`.* TO " + account(user));
        }
    }

    /** Creates (or updates) {@code user} with {@code password} and every privilege on {@code database}. */
    static void ensureUser(Connection primary, String user, String password, String database) throws SQLException {
        try (Statement st = primary.createStatement()) {
            st.execute("CREATE OR REPLACE USER " + account(user) + " IDENTIFIED VIA mysql_native_password USING "
                    + "PASSWORD(" + literal(password) + ")");
            st.execute("GRANT ALL PRIVILEGES ON `" + database + "`.* TO " + account(user));
        }
    }

    /**
     * Makes the connected server a read-only replica of {@code 127.0.0.1:primaryPort}, replicating by
     * GTID from its own {@code gtid_slave_pos} (empty on a new server: from the primary's first event).
     */
    static void follow(Connection replica, int primaryPort, String replicationUser, String replicationPassword)
            throws SQLException {
        try (Statement st = replica.createStatement()) {
            st.execute("SET GLOBAL read_only = ON");
            st.execute("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primaryPort
                    + ", MASTER_USER=" + literal(replicationUser)
                    + ", MASTER_PASSWORD=" + literal(replicationPassword)
                    + ", MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos");
            st.execute("START SLAVE");
        }
    }

    /** {@code @@gtid_binlog_pos}: the GTIDs the server has written to its binary log. */
    static String binlogPosition(Connection primary) throws SQLException {
        try (Statement st = primary.createStatement(); ResultSet rs = st.executeQuery("SELECT @@gtid_binlog_pos")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Waits ({@code MASTER_GTID_WAIT}) until the replica has applied {@code position}.
     *
     * @return whether it did before {@code timeout}
     */
    static boolean awaitApplied(Connection replica, String position, Duration timeout) throws SQLException {
        try (PreparedStatement st = replica.prepareStatement("SELECT MASTER_GTID_WAIT(?, ?)")) {
            st.setString(1, position);
            st.setDouble(2, timeout.toMillis() / 1000.0);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 0;
            }
        }
    }

    /** Whether the server takes writes: {@code read_only} off. */
    static boolean isWritable(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@read_only")) {
            rs.next();
            return !rs.getBoolean(1);
        }
    }

    /** Runs each statement in turn. */
    static void execute(Connection c, String... statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    /** The first column of the first row; null when there is no row. */
    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** One column of every row. */
    static List<String> queryColumn(Connection c, String sql, int column) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(column));
            }
        }
        return values;
    }

    /**
     * The replication threads and source as {@code "<IO>/<SQL> port <master port>"}, followed by the
     * last errors if any; {@code "not a replica"} when no replication is configured.
     */
    static String replicationState(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return "not a replica";
            }
            String state = rs.getString("Slave_IO_Running") + "/" + rs.getString("Slave_SQL_Running") + " port "
                    + rs.getInt("Master_Port");
            String io = rs.getString("Last_IO_Error");
            String sql = rs.getString("Last_SQL_Error");
            return state + (io == null || io.isEmpty() ? "" : "; IO error: " + io)
                    + (sql == null || sql.isEmpty() ? "" : "; SQL error: " + sql);
        }
    }

    /** {@code 'name'@'%'}. */
    static String account(String name) {
        return literal(name) + "@'%'";
    }

    /** A MariaDB string literal; backslashes are escaped too, as the default SQL mode needs. */
    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
