package io.auriga.pg.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.health.JdbcProbeConnection;
import io.auriga.core.health.Probe;
import io.auriga.core.health.ProbeResult;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;

/**
 * Probes one PostgreSQL instance over pgjdbc: its role ({@code pg_is_in_recovery()}) and its
 * WAL position — current on a primary, replayed and received on a standby — plus the commit time
 * of the last replayed transaction for lag. A standby's received position is what it has flushed
 * ({@code pg_last_wal_receive_lsn()}, what a synchronous commit waits for), or its replayed position
 * when that is further (WAL read from its own disk after a restart, before streaming resumes). It also
 * reads a digest of {@code pg_db_role_setting}, so that backends kept for reuse are closed once the
 * defaults a new session would get change ({@code ALTER ROLE|DATABASE ... SET}). Keeps its connection between probes and reopens it after
 * a failure, so a probe normally costs one round trip.
 */
final class PgProbe implements Probe {
    private static final String QUERY = """
            SELECT pg_is_in_recovery(),
                   (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END
                        - '0/0'::pg_lsn)::bigint,
                   (greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) - '0/0'::pg_lsn)::bigint,
                   pg_last_xact_replay_timestamp(),
                   (SELECT md5(coalesce(string_agg(setdatabase || '/' || setrole || '/' || setconfig::text, ';'
                                                   ORDER BY setdatabase, setrole), ''))
                      FROM pg_db_role_setting)""";

    private final JdbcProbeConnection connection;

    PgProbe(ClusterConfig cluster, InstanceConfig instance) {
        this.connection = new JdbcProbeConnection(PgJdbc.url(instance),
                PgJdbc.properties(cluster, cluster.failover().probeTimeout()));
    }

    @Override
    public ProbeResult probe() {
        try {
            try (Statement st = connection.get().createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
                rs.next();
                boolean standby = rs.getBoolean(1);
                long position = positionOrUnknown(rs, 2);
                String defaults = rs.getString(5);
                if (!standby) {
                    return ProbeResult.primary(position).withSessionDefaults(defaults);
                }
                Timestamp replayedAt = rs.getTimestamp(4);
                return ProbeResult.replica(position, positionOrUnknown(rs, 3),
                        replayedAt == null ? null : replayedAt.toInstant()).withSessionDefaults(defaults);
            }
        } catch (SQLException e) {
            return connection.failed(e);
        }
    }

    private static long positionOrUnknown(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? -1 : value;
    }

    @Override
    public void close() {
        connection.close();
    }

    static Duration timeout(ClusterConfig cluster) {
        return cluster.failover().probeTimeout();
    }
}
