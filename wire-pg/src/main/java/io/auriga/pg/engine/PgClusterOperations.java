package io.auriga.pg.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.session.Ticker;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failover steps on PostgreSQL 13+, all from SQL with the cluster's admin credentials:
 * <ul>
 *   <li>promote: {@code pg_promote(wait => true)};</li>
 *   <li>repoint: a physical slot named after the replica on the new primary, then
 *       {@code ALTER SYSTEM SET primary_conninfo / primary_slot_name} and {@code pg_reload_conf()}
 *       on the replica, which then follows the new timeline (recovery_target_timeline is
 *       {@code latest} by default); done when {@code pg_stat_wal_receiver} streams from the new
 *       primary;</li>
 *   <li>fence: {@code default_transaction_read_only = on} through ALTER SYSTEM and a reload,
 *       then every other client session is terminated;</li>
 *   <li>quorum: {@code ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("pg2", "pg3")'} and a
 *       reload; standbys name themselves with {@code application_name} in their
 *       {@code primary_conninfo}, which repoint (and the sandbox) set to the instance name. Allowed on a
 *       standby too, where it takes effect at promotion.</li>
 * </ul>
 * For a planned switchover:
 * <ul>
 *   <li>make read-only: the same setting, but only sessions inside a transaction are terminated,
 *       so idle sessions (held by the proxy) survive a rollback; done once the reload is in force;</li>
 *   <li>await caught up: until the candidate's {@code pg_last_wal_replay_lsn()} reaches the old
 *       primary's {@code pg_current_wal_flush_lsn()}, both read again on each look;</li>
 *   <li>make writable: the setting reset, and a reload.</li>
 * </ul>
 */
final class PgClusterOperations implements ClusterOperations {
    private static final Logger log = LoggerFactory.getLogger(PgClusterOperations.class);

    private final ClusterConfig cluster;
    /** Measures every step's deadline. */
    private final Ticker ticker;

    PgClusterOperations(ClusterConfig cluster, Ticker ticker) {
        this.cluster = cluster;
        this.ticker = ticker;
    }

    @Override
    public void promote(InstanceConfig candidate, Duration timeout) throws SQLException {
        int seconds = (int) Math.max(1, timeout.toSeconds());
        try (Connection c = connect(candidate, timeout); Statement st = c.createStatement()) {
            st.setQueryTimeout(seconds + 1);
            try (ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    log.info("{} is already a primary", candidate.name());
                    return;
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT pg_promote(true, " + seconds + ")")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new SQLException(candidate.name() + " did not finish promotion within " + seconds + " s");
                }
            }
        }
        checkpointSoon(candidate, timeout);
    }

    /**
     * The control file names the new timeline only after a checkpoint; pg_rewind of the former
     * primary reads it there, and would otherwise see nothing to rewind. Rejoining comes seconds
     * later at the earliest, so the checkpoint runs beside the publishing of the new primary
     * rather than before it, where it would lengthen every failover and switchover.
     */
    private void checkpointSoon(InstanceConfig primary, Duration timeout) {
        Thread checkpoint = new Thread(() -> {
            try (Connection c = connect(primary, timeout); Statement st = c.createStatement()) {
                st.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
                st.execute("CHECKPOINT");
            } catch (SQLException e) {
                log.warn("{}: the checkpoint after promotion failed ({}); rewinding the former primary may find "
                        + "nothing to rewind until the next checkpoint", primary.name(), e.getMessage());
            }
        }, "auriga-checkpoint-" + primary.name());
        checkpoint.setDaemon(true);
        checkpoint.start();
    }

    @Override
    public void repoint(InstanceConfig replica, InstanceConfig newPrimary, Duration timeout) throws Exception {
        long deadline = deadline(timeout);
        String slot = slotName(replica);
        try (Connection primary = connect(newPrimary, timeout);
             PreparedStatement ps = primary.prepareStatement("SELECT pg_create_physical_replication_slot(?, true) "
                     + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
            ps.setString(1, slot);
            ps.setString(2, slot);
            ps.execute();
        }
        try (Connection c = connect(replica, timeout); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET primary_conninfo = " + literal(conninfo(replica, newPrimary)));
            st.execute("ALTER SYSTEM SET primary_slot_name = " + literal(slot));
            st.execute("SELECT pg_reload_conf()");
            awaitStreaming(st, replica, newPrimary, deadline);
        }
    }

    private void awaitStreaming(Statement st, InstanceConfig replica, InstanceConfig newPrimary, long deadline)
            throws SQLException, InterruptedException {
        String query = "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming' AND sender_port = "
                + newPrimary.port();
        while (true) {
            try (ResultSet rs = st.executeQuery(query)) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            if (ticker.nanos() - deadline > 0) {
                throw new SQLException(replica.name() + " does not stream from " + newPrimary.name() + " yet");
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void fence(InstanceConfig former, Duration timeout) throws SQLException {
        try (Connection c = connect(former, timeout); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET default_transaction_read_only = on");
            st.execute("SELECT pg_reload_conf()");
            st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    + "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
        }
    }

    @Override
    public void requireSynchronousStandbys(InstanceConfig instance, List<String> standbys, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = deadline(timeout);
        String setting = synchronousStandbyNames(standbys);
        try (Connection c = connect(instance, timeout); Statement st = c.createStatement()) {
            st.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            st.execute(setting.isEmpty() ? "ALTER SYSTEM RESET synchronous_standby_names"
                    : "ALTER SYSTEM SET synchronous_standby_names = " + literal(setting));
            st.execute("SELECT pg_reload_conf()");
        }
        // The reload is asynchronous; a new session shows the value once the postmaster has read it.
        while (true) {
            try (Connection c = connect(instance, timeout); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW synchronous_standby_names")) {
                rs.next();
                if (rs.getString(1).equals(setting)) {
                    return;
                }
            }
            if (ticker.nanos() - deadline > 0) {
                throw new SQLException(instance.name() + " does not show synchronous_standby_names = '" + setting
                        + "' after a reload");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public Optional<String> synchronousStandbysDrift(InstanceConfig instance, List<String> standbys,
                                                     Duration timeout) throws SQLException {
        String setting = synchronousStandbyNames(standbys);
        try (Connection c = connect(instance, timeout); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW synchronous_standby_names")) {
            rs.next();
            String now = rs.getString(1);
            return now.equals(setting) ? Optional.empty()
                    : Optional.of("synchronous_standby_names is '" + now + "', not '" + setting + "'");
        }
    }

    /** {@code ANY 1 ("pg2", "pg3")}: any one of the named standbys; names are quoted as identifiers. */
    static String synchronousStandbyNames(List<String> standbys) {
        if (standbys.isEmpty()) {
            return "";
        }
        return "ANY 1 (" + String.join(", ", standbys.stream().map(n -> "\"" + n.replace("\"", "\"\"") + "\"")
                .toList()) + ")";
    }

    @Override
    public void makeReadOnly(InstanceConfig primary, Duration timeout) throws Exception {
        long deadline = deadline(timeout);
        try (Connection c = connect(primary, timeout); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET default_transaction_read_only = on");
            st.execute("SELECT pg_reload_conf()");
            awaitSetting(st, primary, "on", deadline);
            // Transactions begun before the reload could still write: they end here. Idle sessions stay.
            try (ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    + "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                    + "AND application_name <> " + literal(PgJdbc.APPLICATION_NAME))) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    log.info("{}: ended {} session(s) still inside a transaction", primary.name(), rs.getInt(1));
                }
            }
        }
    }

    @Override
    public void makeWritable(InstanceConfig primary, Duration timeout) throws Exception {
        long deadline = deadline(timeout);
        try (Connection c = connect(primary, timeout); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM RESET default_transaction_read_only");
            st.execute("SELECT pg_reload_conf()");
            awaitSetting(st, primary, "off", deadline);
        }
    }

    /**
     * A reload reaches each backend when it next reads a command, after the postmaster has re-read
     * the file and signalled them all; this session seeing the value means every session will.
     */
    private void awaitSetting(Statement st, InstanceConfig instance, String value, long deadline)
            throws SQLException, InterruptedException {
        while (true) {
            try (ResultSet rs = st.executeQuery("SELECT current_setting('default_transaction_read_only')")) {
                rs.next();
                if (rs.getString(1).equals(value)) {
                    return;
                }
            }
            if (ticker.nanos() - deadline >= 0) {
                throw new SQLException(instance.name() + ": default_transaction_read_only is not " + value
                        + " after the reload");
            }
            Thread.sleep(2);
        }
    }

    @Override
    public long awaitCaughtUp(InstanceConfig primary, InstanceConfig replica, Duration timeout) throws Exception {
        long deadline = deadline(timeout);
        try (Connection p = connect(primary, timeout); Statement ps = p.createStatement();
             Connection r = connect(replica, timeout); Statement rs = r.createStatement()) {
            while (true) {
                long written = lsn(ps, "SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn");
                long replayed = lsn(rs, "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn");
                if (replayed >= written) {
                    return written;
                }
                if (ticker.nanos() - deadline >= 0) {
                    throw new SQLException(replica.name() + " replayed up to " + replayed + " but " + primary.name()
                            + " has written up to " + written + " (" + (written - replayed) + " bytes behind after "
                            + timeout.toMillis() + " ms)");
                }
                Thread.sleep(2);
            }
        }
    }

    private static long lsn(Statement st, String query) throws SQLException {
        try (ResultSet rs = st.executeQuery(query)) {
            rs.next();
            long value = rs.getLong(1);
            return rs.wasNull() ? -1 : value;
        }
    }

    @Override
    public boolean isPrimary(InstanceConfig instance, Duration timeout) throws SQLException {
        try (Connection c = connect(instance, timeout); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT NOT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private String conninfo(InstanceConfig replica, InstanceConfig newPrimary) {
        return "host=" + quoted(newPrimary.host()) + " port=" + newPrimary.port() + " user="
                + quoted(cluster.adminCredentials().user()) + " password="
                + quoted(cluster.adminCredentials().password().reveal()) + " application_name=" + quoted(replica.name());
    }

    /** A libpq connection-string value in single quotes, with quote and backslash escaped. */
    private static String quoted(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    static String slotName(InstanceConfig replica) {
        return replica.name().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private long deadline(Duration timeout) {
        return ticker.nanos() + timeout.toNanos();
    }

    private Connection connect(InstanceConfig instance, Duration timeout) throws SQLException {
        return DriverManager.getConnection(PgJdbc.url(instance), PgJdbc.properties(cluster, timeout));
    }
}
