package io.auriga.mysql.engine;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The columns of {@code SHOW SLAVE STATUS} / {@code SHOW REPLICA STATUS} a failover step decides by.
 *
 * @param ioRunning  {@code Yes}, {@code No} or {@code Connecting}
 * @param sqlRunning {@code Yes} or {@code No}
 * @param sourceHost the host replicated from
 * @param sourcePort the port replicated from
 * @param sourceUser the replication account, empty when none is set
 * @param received   what the receiving thread got: MariaDB {@code Gtid_IO_Pos}, MySQL {@code Retrieved_Gtid_Set}
 * @param lastIoError  the receiving thread's last error, empty when none
 * @param lastSqlError the applying thread's last error, empty when none
 */
record ReplicaStatus(String ioRunning, String sqlRunning, String sourceHost, int sourcePort, String sourceUser,
                     String received, String lastIoError, String lastSqlError) {

    /** Reads the current row of a replica-status result. */
    static ReplicaStatus read(ResultSet rs, ServerFlavour flavour) throws SQLException {
        return new ReplicaStatus(text(rs, flavour.ioRunningColumn), text(rs, flavour.sqlRunningColumn),
                text(rs, flavour.sourceHostColumn), rs.getInt(flavour.sourcePortColumn),
                text(rs, flavour.sourceUserColumn), text(rs, flavour.receivedColumn).replace("\n", ""),
                text(rs, "Last_IO_Error"), text(rs, "Last_SQL_Error"));
    }

    /** Whether both threads run. */
    boolean running() {
        return "Yes".equals(ioRunning) && "Yes".equals(sqlRunning);
    }

    /**
     * Why replication stopped, when a thread stopped on an error (a replica stopped on purpose, or
     * still retrying its connection, has none): the server's own words.
     */
    String stoppedOnError() {
        if ("No".equals(sqlRunning) && !lastSqlError.isEmpty()) {
            return "applying stopped: " + lastSqlError;
        }
        if ("No".equals(ioRunning) && !lastIoError.isEmpty()) {
            return "receiving stopped: " + lastIoError;
        }
        return null;
    }

    /** A one-line account for an error message. */
    String describe() {
        StringBuilder sb = new StringBuilder("from ").append(sourceHost).append(':').append(sourcePort)
                .append(", IO thread ").append(ioRunning).append(", SQL thread ").append(sqlRunning);
        if (!lastIoError.isEmpty()) {
            sb.append(", last IO error: ").append(lastIoError);
        }
        if (!lastSqlError.isEmpty()) {
            sb.append(", last SQL error: ").append(lastSqlError);
        }
        return sb.toString();
    }

    private static String text(ResultSet rs, String column) throws SQLException {
        String value = rs.getString(column);
        return value == null ? "" : value;
    }
}
