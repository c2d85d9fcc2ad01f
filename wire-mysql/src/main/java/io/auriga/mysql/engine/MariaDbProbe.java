package io.auriga.mysql.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.health.GtidPosition;
import io.auriga.core.health.JdbcProbeConnection;
import io.auriga.core.health.Probe;
import io.auriga.core.health.ProbeResult;
import io.auriga.core.topology.Role;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;

/**
 * Probes one MariaDB or MySQL instance over Connector/J. Role is observed, never configured:
 * <ul>
 *   <li>a replication connection is configured ({@code SHOW ALL SLAVES STATUS}, on MySQL
 *       {@code SHOW REPLICA STATUS}, has a row): replica;</li>
 *   <li>none, and {@code @@read_only} off: primary;</li>
 *   <li>none, and {@code @@read_only} on: fenced (a former primary made read-only, or a server
 *       nobody replicates to). MySQL's {@code super_read_only} implies {@code read_only}.</li>
 * </ul>
 * MariaDB positions are GTID sequence numbers in domain 0 (see {@link GtidPosition} for the limits):
 * {@code @@gtid_current_pos} on a primary; {@code @@gtid_slave_pos} (applied) and the status'
 * {@code Gtid_IO_Pos} (received) on a replica. MySQL positions are transaction counts of GTID sets
 * ({@link MySqlGtidSet}): {@code @@GLOBAL.gtid_executed} (applied), and with the status'
 * {@code Retrieved_Gtid_Set} (received). A replica's last replay time is estimated as now minus
 * {@code Seconds_Behind_Master} ({@code _Source}), used by the monitor only when its position trails
 * the primary's. The flavour ({@link ServerFlavour}) is read once, and again after a failure. Keeps its
 * connection between probes and reopens it after a failure.
 */
public final class MariaDbProbe implements Probe {
    private static final String VARIABLES = "SELECT @@read_only, @@gtid_current_pos, @@gtid_slave_pos";
    private static final String MYSQL_VARIABLES = "SELECT @@read_only, @@GLOBAL.gtid_executed";

    private final JdbcProbeConnection connection;
    private final Clock clock;
    /** Read on the first probe and after a failure: null until then. */
    private ServerFlavour flavour;

    /** A probe of {@code instance} with the cluster's admin credentials and probe timeout. */
    public MariaDbProbe(ClusterConfig cluster, InstanceConfig instance, Clock clock) {
        this.connection = new JdbcProbeConnection(MariaDbJdbc.url(instance),
                MariaDbJdbc.properties(cluster, cluster.failover().probeTimeout()));
        this.clock = clock;
    }

    @Override
    public ProbeResult probe() {
        try {
            try (Statement st = connection.get().createStatement()) {
                if (flavour == null) {
                    try (ResultSet rs = st.executeQuery("SELECT @@version, @@version_comment")) {
                        rs.next();
                        flavour = ServerFlavour.detect(rs.getString(1), rs.getString(2));
                    }
                }
                return flavour == ServerFlavour.MARIADB ? mariadb(st) : mysql(st);
            }
        } catch (SQLException | IllegalArgumentException e) {
            flavour = null;
            return connection.failed(e);
        }
    }

    // Replication status is read before read_only: promotion turns read_only off before it removes
    // the replication connection, so no probe can see an instance half-promoted as read-only with no
    // replication (which would look fenced).
    private ProbeResult mariadb(Statement st) throws SQLException {
        GtidPosition received = null;
        Instant replayedAt = null;
        String stopped = null;
        try (ResultSet rs = st.executeQuery("SHOW ALL SLAVES STATUS")) {
            if (rs.next()) {
                stopped = ReplicaStatus.read(rs, ServerFlavour.MARIADB).stoppedOnError();
                received = GtidPosition.parse(rs.getString("Gtid_IO_Pos"));
                long behind = rs.getLong("Seconds_Behind_Master");
                replayedAt = rs.wasNull() ? null : clock.instant().minusSeconds(behind);
            }
        }
        boolean readOnly;
        GtidPosition current;
        GtidPosition applied;
        try (ResultSet rs = st.executeQuery(VARIABLES)) {
            rs.next();
            readOnly = rs.getBoolean(1);
            current = GtidPosition.parse(rs.getString(2));
            applied = GtidPosition.parse(rs.getString(3));
        }
        if (received != null) {
            return ProbeResult.replica(applied.sequence(), Math.max(received.sequence(), applied.sequence()),
                    replayedAt).withReplicationError(stopped);
        }
        return notReplicating(readOnly, current.sequence());
    }

    private ProbeResult mysql(Statement st) throws SQLException {
        ServerFlavour f = ServerFlavour.MYSQL;
        String receivedSet = null;
        Instant replayedAt = null;
        String stopped = null;
        try (ResultSet rs = st.executeQuery(f.showReplicaStatus)) {
            if (rs.next()) {
                stopped = ReplicaStatus.read(rs, f).stoppedOnError();
                receivedSet = rs.getString(f.receivedColumn);
                long behind = rs.getLong("Seconds_Behind_Source");
                replayedAt = rs.wasNull() ? null : clock.instant().minusSeconds(behind);
            }
        }
        boolean readOnly;
        MySqlGtidSet executed;
        try (ResultSet rs = st.executeQuery(MYSQL_VARIABLES)) {
            rs.next();
            readOnly = rs.getBoolean(1);
            executed = MySqlGtidSet.parse(rs.getString(2));
        }
        if (receivedSet != null) {
            MySqlGtidSet received = MySqlGtidSet.parse(receivedSet).union(executed);
            return ProbeResult.replica(executed.count(), received.count(), replayedAt).withReplicationError(stopped);
        }
        return notReplicating(readOnly, executed.count());
    }

    private static ProbeResult notReplicating(boolean readOnly, long position) {
        if (readOnly) {
            return new ProbeResult(Role.FENCED, position, position, null, false, null);
        }
        return ProbeResult.primary(position);
    }

    @Override
    public void close() {
        connection.close();
    }
}
