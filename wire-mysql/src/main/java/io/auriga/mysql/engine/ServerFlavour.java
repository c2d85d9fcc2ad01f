package io.auriga.mysql.engine;

import io.auriga.config.Credentials;
import io.auriga.core.health.GtidPosition;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two server families behind the MySQL protocol and the replication statements each one takes.
 * MariaDB is told apart by {@code @@version} ({@code 10.11.19-MariaDB-0+deb12u1}) or
 * {@code @@version_comment}; anything else is MySQL, which must be 8.0.23 or later (the first with
 * {@code CHANGE REPLICATION SOURCE TO}).
 *
 * <table>
 *   <caption>What differs</caption>
 *   <tr><th></th><th>MariaDB 10.3+</th><th>MySQL 8.0.23+</th></tr>
 *   <tr><td>replication control</td><td>{@code STOP/START SLAVE}, {@code RESET SLAVE ALL}</td>
 *       <td>{@code STOP/START REPLICA}, {@code RESET REPLICA ALL}</td></tr>
 *   <tr><td>follow a source</td><td>{@code CHANGE MASTER TO … MASTER_USE_GTID=slave_pos}</td>
 *       <td>{@code CHANGE REPLICATION SOURCE TO … SOURCE_AUTO_POSITION=1}</td></tr>
 *   <tr><td>write position</td><td>{@code @@gtid_binlog_pos} (domain-server-seq)</td>
 *       <td>{@code @@gtid_executed} (uuid:interval set)</td></tr>
 *   <tr><td>wait for a position</td><td>{@code MASTER_GTID_WAIT}</td><td>{@code WAIT_FOR_EXECUTED_GTID_SET}</td></tr>
 *   <tr><td>read-only</td><td>{@code read_only}</td><td>{@code read_only} and {@code super_read_only}</td></tr>
 *   <tr><td>semi-sync</td><td>built in, {@code rpl_semi_sync_master_*}/{@code slave_*}</td>
 *       <td>plugins {@code rpl_semi_sync_source}/{@code replica} (8.0.26+ names)</td></tr>
 * </table>
 * The MariaDB statements run against real servers in every test run; the MySQL ones, written from
 * the MySQL 8.0 reference manual, run against MySQL 8.4 in {@code MySql8IT} only where Docker runs.
 */
enum ServerFlavour {
    MARIADB("SLAVE", "SHOW SLAVE STATUS", "Slave_IO_Running", "Slave_SQL_Running", "Master_Host",
            "Master_Port", "Master_User", "Gtid_IO_Pos", "SELECT @@gtid_binlog_pos", "SELECT MASTER_GTID_WAIT(?, ?)",
            "rpl_semi_sync_master", "rpl_semi_sync_slave"),
    MYSQL("REPLICA", "SHOW REPLICA STATUS", "Replica_IO_Running", "Replica_SQL_Running", "Source_Host",
            "Source_Port", "Source_User", "Retrieved_Gtid_Set", "SELECT @@GLOBAL.gtid_executed",
            "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)", "rpl_semi_sync_source", "rpl_semi_sync_replica");

    private static final Pattern MYSQL_VERSION = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)");

    private final String replicaWord;
    final String showReplicaStatus;
    final String ioRunningColumn;
    final String sqlRunningColumn;
    final String sourceHostColumn;
    final String sourcePortColumn;
    final String sourceUserColumn;
    final String receivedColumn;
    /** Selects the server's own write position, in the form {@link #waitForPosition} takes. */
    final String writePositionQuery;
    /** Two parameters, a position and seconds; answers 0 once the position is applied, non-zero on timeout. */
    final String waitForPosition;
    private final String semiSyncPrimaryPrefix;
    private final String semiSyncReplicaPrefix;

    ServerFlavour(String replicaWord, String showReplicaStatus, String ioRunningColumn, String sqlRunningColumn,
                  String sourceHostColumn, String sourcePortColumn, String sourceUserColumn, String receivedColumn,
                  String writePositionQuery, String waitForPosition, String semiSyncPrimaryPrefix,
                  String semiSyncReplicaPrefix) {
        this.replicaWord = replicaWord;
        this.showReplicaStatus = showReplicaStatus;
        this.ioRunningColumn = ioRunningColumn;
        this.sqlRunningColumn = sqlRunningColumn;
        this.sourceHostColumn = sourceHostColumn;
        this.sourcePortColumn = sourcePortColumn;
        this.sourceUserColumn = sourceUserColumn;
        this.receivedColumn = receivedColumn;
        this.writePositionQuery = writePositionQuery;
        this.waitForPosition = waitForPosition;
        this.semiSyncPrimaryPrefix = semiSyncPrimaryPrefix;
        this.semiSyncReplicaPrefix = semiSyncReplicaPrefix;
    }

    /**
     * The flavour of a server from {@code @@version} and {@code @@version_comment}.
     *
     * @throws IllegalArgumentException for MySQL before 8.0.23 or a version that cannot be read
     */
    static ServerFlavour detect(String version, String versionComment) {
        String v = version == null ? "" : version.strip();
        String comment = versionComment == null ? "" : versionComment;
        if (v.toLowerCase(Locale.ROOT).contains("mariadb") || comment.toLowerCase(Locale.ROOT).contains("mariadb")) {
            return MARIADB;
        }
        Matcher m = MYSQL_VERSION.matcher(v);
        if (!m.find()) {
            throw new IllegalArgumentException("cannot read the server version \"" + v + "\" (" + comment + ")");
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int patch = Integer.parseInt(m.group(3));
        if (major < 8 || (major == 8 && minor == 0 && patch < 23)) {
            throw new IllegalArgumentException("MySQL " + v + " is not supported: failover needs MySQL 8.0.23 or "
                    + "later (CHANGE REPLICATION SOURCE TO) or MariaDB 10.3 or later");
        }
        return MYSQL;
    }

    String stopReplica() {
        return "STOP " + replicaWord;
    }

    /** Stops only the receiving thread, so what was received stops growing while the rest is applied. */
    String stopReceiver() {
        return "STOP " + replicaWord + " IO_THREAD";
    }

    String startReceiver() {
        return "START " + replicaWord + " IO_THREAD";
    }

    String startReplica() {
        return "START " + replicaWord;
    }

    String resetReplicaAll() {
        return "RESET " + replicaWord + " ALL";
    }

    /** Statements that make the server refuse writes; MySQL's super_read_only also stops SUPER accounts. */
    List<String> readOnlyOn() {
        return this == MARIADB ? List.of("SET GLOBAL read_only = ON") : List.of("SET GLOBAL super_read_only = ON");
    }

    /** Statements that make the server take writes (super_read_only must go first on MySQL). */
    List<String> readOnlyOff() {
        return this == MARIADB ? List.of("SET GLOBAL read_only = OFF")
                : List.of("SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF");
    }

    /**
     * Points the (stopped) replication connection at {@code host:port}, replicating by GTID from what the
     * replica has already applied.
     *
     * @param credentials the replication account, or null to keep the one the replica has configured
     *                    (both flavours keep every option a {@code CHANGE} statement leaves out)
     */
    String changeSource(String host, int port, Credentials credentials) {
        String prefix = this == MARIADB ? "MASTER_" : "SOURCE_";
        StringBuilder sql = new StringBuilder(this == MARIADB ? "CHANGE MASTER TO " : "CHANGE REPLICATION SOURCE TO ");
        sql.append(prefix).append("HOST=").append(literal(host))
                .append(", ").append(prefix).append("PORT=").append(port);
        if (credentials != null) {
            sql.append(", ").append(prefix).append("USER=").append(literal(credentials.user()))
                    .append(", ").append(prefix).append("PASSWORD=").append(literal(credentials.password().reveal()));
        }
        sql.append(", ").append(prefix).append("CONNECT_RETRY=1");
        if (this == MARIADB) {
            sql.append(", MASTER_USE_GTID=slave_pos");
        } else {
            // Without TLS, caching_sha2_password needs the source's RSA key to send the password.
            sql.append(", SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1");
        }
        return sql.toString();
    }

    /** The system variable that enables the primary side of semi-synchronous replication. */
    String semiSyncPrimaryEnabled() {
        return semiSyncPrimaryPrefix + "_enabled";
    }

    String semiSyncPrimaryWaitPoint() {
        return semiSyncPrimaryPrefix + "_wait_point";
    }

    /** Milliseconds the primary waits for an acknowledgement before it falls back to asynchronous. */
    String semiSyncPrimaryTimeout() {
        return semiSyncPrimaryPrefix + "_timeout";
    }

    /**
     * Whether the primary keeps waiting for acknowledgements while no semi-sync replica is connected
     * (on) rather than dropping to asynchronous at once (off).
     */
    String semiSyncPrimaryWaitNoReplica() {
        return semiSyncPrimaryPrefix + (this == MARIADB ? "_wait_no_slave" : "_wait_no_replica");
    }

    /** The status variable that is {@code ON} while the replica's receiving thread acknowledges as semi-sync. */
    String semiSyncReplicaStatus() {
        return capitalised(semiSyncReplicaPrefix) + "_status";
    }

    /** The system variable that enables the replica side of semi-synchronous replication. */
    String semiSyncReplicaEnabled() {
        return semiSyncReplicaPrefix + "_enabled";
    }

    /** The status variable that is {@code ON} while the primary waits for acknowledgements. */
    String semiSyncPrimaryStatus() {
        return capitalised(semiSyncPrimaryPrefix) + "_status";
    }

    /** The status variable counting the replicas connected with semi-sync. */
    String semiSyncPrimaryClients() {
        return capitalised(semiSyncPrimaryPrefix) + "_clients";
    }

    /** {@code SET GLOBAL name = value} for a semi-sync variable; values are ON, OFF, AFTER_SYNC or numbers. */
    static String setGlobal(String variable, String value) {
        if (!value.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("not a plain value: " + value);
        }
        return "SET GLOBAL " + variable + " = " + value;
    }

    /**
     * Whether a {@code PROCESSLIST} row is a client session that fencing must end: not the caller's own,
     * not a server thread ({@code system user}, {@code event_scheduler}, replication applier threads)
     * and not a replica reading the binary log ({@code Binlog Dump}, {@code Binlog Dump GTID}).
     */
    static boolean isClientSession(long id, String user, String command, long ownId) {
        if (id == ownId) {
            return false;
        }
        if (user == null || user.equals("system user") || user.equals("event_scheduler")) {
            return false;
        }
        if (command == null) {
            return true;
        }
        return switch (command) {
            case "Binlog Dump", "Binlog Dump GTID", "Daemon", "Slave_IO", "Slave_SQL", "Slave_worker" -> false;
            default -> true;
        };
    }

    /**
     * One number for a write position of this flavour, growing as the server writes: MariaDB's
     * sequence number in domain 0 ({@link GtidPosition#sequence}); for MySQL the number of
     * transactions a GTID set such as {@code 3e11fa47-…:1-5:11-18,4a7c…:1-3} names (the sum of its
     * interval lengths).
     *
     * @throws IllegalArgumentException when the text is not a position of this flavour
     */
    long positionNumber(String position) {
        if (this == MARIADB) {
            return GtidPosition.parse(position).sequence();
        }
        if (position == null) {
            return 0;
        }
        long count = 0;
        for (String member : position.replace("\n", "").split(",")) {
            String trimmed = member.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split(":");
            if (parts.length < 2) {
                throw new IllegalArgumentException("not a GTID set member (uuid:interval…): " + trimmed);
            }
            for (int i = 1; i < parts.length; i++) {
                String interval = parts[i];
                if (!interval.isEmpty() && !Character.isDigit(interval.charAt(0))) {
                    continue; // a tag (MySQL 8.3+ uuid:tag:interval)
                }
                String[] bounds = interval.split("-");
                try {
                    long start = Long.parseLong(bounds[0]);
                    long end = bounds.length > 1 ? Long.parseLong(bounds[1]) : start;
                    count += end - start + 1;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a GTID interval: " + interval + " in " + trimmed, e);
                }
            }
        }
        return count;
    }

    /** Selects what the server has applied, in the form {@link #writePositionQuery} gives. */
    String appliedPositionQuery() {
        return this == MARIADB ? "SELECT @@GLOBAL.gtid_slave_pos" : "SELECT @@GLOBAL.gtid_executed";
    }

    /** A string literal for either flavour; backslashes are escaped as the default SQL mode needs. */
    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static String capitalised(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
