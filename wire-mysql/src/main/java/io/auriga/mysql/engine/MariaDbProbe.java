package io.auriga.mysql.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
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
 * Probes one MariaDB instance over Connector/J. Role is observed, never configured:
 * <ul>
 *   <li>a replication connection is configured ({@code SHOW ALL SLAVES STATUS} has a row): replica;</li>
 *   <li>none, and {@code @@read_only} off: primary;</li>
 *   <li>none, and {@code @@read_only} on: fenced (a former primary made read-only, or a server
 *       nobody replicates to).</li>
 * </ul>
 * Positions are GTID sequence numbers in domain 0 (see {@link GtidPosition} for the limits):
 * {@code @@gtid_current_pos} on a primary; {@code @@gtid_slave_pos} (applied) and the status'
 * {@code Gtid_IO_Pos} (received) on a replica. A replica's last replay time is estimated as now
 * minus {@code Seconds_Behind_Master}, used by the monitor only when its position trails the primary's.
 * Keeps its connection between probes and reopens it after a failure.
 */
public final class MariaDbProbe implements Probe {
    private static final String VARIABLES = "SELECT @@read_only, @@gtid_current_pos, @@gtid_slave_pos";

    private final JdbcProbeConnection connection;
    private final Clock clock;

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
                boolean readOnly;
                GtidPosition current;
                GtidPosition applied;
                try (ResultSet rs = st.executeQuery(VARIABLES)) {
                    rs.next();
                    readOnly = rs.getBoolean(1);
                    current = GtidPosition.parse(rs.getString(2));
                    applied = GtidPosition.parse(rs.getString(3));
                }
                try (ResultSet rs = st.executeQuery("SHOW ALL SLAVES STATUS")) {
                    if (rs.next()) {
                        GtidPosition received = GtidPosition.parse(rs.getString("Gtid_IO_Pos"));
                        long behind = rs.getLong("Seconds_Behind_Master");
                        Instant replayedAt = rs.wasNull() ? null : clock.instant().minusSeconds(behind);
                        return ProbeResult.replica(applied.sequence(),
                                Math.max(received.sequence(), applied.sequence()), replayedAt);
                    }
                }
                if (readOnly) {
                    return new ProbeResult(Role.FENCED, current.sequence(), current.sequence(), null, false, null);
                }
                return ProbeResult.primary(current.sequence());
            }
        } catch (SQLException | IllegalArgumentException e) {
            return connection.failed(e);
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
