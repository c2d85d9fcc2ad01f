package io.auriga.mysql.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.InstanceConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.session.Ticker;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failover steps on MariaDB 10.3+ (and MySQL 8.0.23+, see {@link ServerFlavour}), all from SQL with the
 * cluster's admin credentials, each bounded by its timeout and failing with the instance and step named:
 * <pre>
 *   promote:  STOP SLAVE IO_THREAD ─ MASTER_GTID_WAIT(Gtid_IO_Pos): apply all that was received
 *             ─ STOP SLAVE ─ RESET SLAVE ALL ─ SET GLOBAL read_only=OFF
 *             ─ semi-sync replica before? enable the primary side (AFTER_SYNC)
 *             ─ check: @@read_only=0 and no replication configured
 *   repoint:  STOP SLAVE ─ CHANGE MASTER TO host, port[, user, password], MASTER_USE_GTID=slave_pos
 *             ─ new primary semi-sync? enable the replica side ─ START SLAVE
 *             ─ MASTER_GTID_WAIT(new primary's @@gtid_binlog_pos) ─ both threads Yes
 *   fence:    SET GLOBAL read_only=ON ─ KILL CONNECTION every client session but this one
 *             (replica Binlog Dump threads and server threads are left alone)
 * </pre>
 * For a planned switchover:
 * <pre>
 *   make read-only:   SET GLOBAL read_only=ON (MySQL: super_read_only=ON) ─ check @@read_only
 *                     ─ KILL CONNECTION each session with an InnoDB transaction that may write
 *                       (information_schema.INNODB_TRX, autocommit reads left alone), except this
 *                       one and Auriga's control connections; idle sessions stay
 *   await caught up:  the primary's @@gtid_binlog_pos (MySQL: @@gtid_executed), then on the replica
 *                     MASTER_GTID_WAIT (WAIT_FOR_EXECUTED_GTID_SET) for it; the primary's position is
 *                     read again after each wait, so a late write counts too
 *   make writable:    SET GLOBAL read_only=OFF (MySQL: super_read_only then read_only) ─ check
 *   is primary:       @@read_only off and no replication configured
 * </pre>
 *
 * <p><b>Who {@code read_only} stops.</b> On MariaDB it stops every account without {@code READ ONLY
 * ADMIN} ({@code SUPER} includes it before 11.0, {@code ALL PRIVILEGES} always): application users
 * with ordinary grants can neither write nor commit a transaction that wrote. The admin account Auriga
 * uses, and any account with that privilege, is not stopped; Auriga's own control connections never
 * write data, and sessions through the writer endpoint are held by the proxy during the switchover
 * whatever their privileges, but a client connected straight to the primary with such an account
 * could still write until the promotion (the catch-up then waits for that write too, or times out and
 * rolls back). MySQL's {@code super_read_only} stops every account.
 *
 * <p><b>Replication account.</b> Repointing needs the account the replica logs in to the new primary
 * with. In order of preference: the credentials given to the constructor (the sandbox passes its
 * replication user); else, when the replica already has a replication connection, the account it has
 * configured, kept by leaving {@code MASTER_USER}/{@code MASTER_PASSWORD} out of {@code CHANGE MASTER}
 * (on a real cluster the replication account exists on every server, since accounts replicate); else
 * the admin credentials, which then need the {@code REPLICATION SLAVE} privilege.
 *
 * <p><b>Semi-synchronous replication</b> ({@code durability: quorum}) is enabled and kept by
 * {@link MariaDbSemiSync}; a promotion keeps it on by enabling the primary side on a candidate that was a
 * semi-sync replica, and a repoint enables the replica side when the new primary has semi-sync on.
 */
public final class MariaDbClusterOperations implements ClusterOperations {
    private static final Logger log = LoggerFactory.getLogger(MariaDbClusterOperations.class);

    private static final int UNKNOWN_THREAD = 1094;

    private final ClusterConfig cluster;
    private final Credentials replication;
    private final MariaDbSemiSync semiSync;
    /** Measures every step's deadline. */
    private final Ticker ticker;

    /** Operations that repoint replicas with their own configured replication account (see the class comment). */
    public MariaDbClusterOperations(ClusterConfig cluster) {
        this(cluster, null);
    }

    /**
     * @param replication the account replicas log in to a new primary with; null to keep the one each
     *                    replica has configured, or the admin credentials where it has none
     */
    public MariaDbClusterOperations(ClusterConfig cluster, Credentials replication) {
        this(cluster, replication, Ticker.SYSTEM);
    }

    /** @param ticker measures every step's deadline */
    public MariaDbClusterOperations(ClusterConfig cluster, Credentials replication, Ticker ticker) {
        this.cluster = cluster;
        this.replication = replication;
        this.ticker = ticker;
        this.semiSync = new MariaDbSemiSync(cluster, ticker);
    }

    @Override
    public void promote(InstanceConfig candidate, Duration timeout) throws SQLException {
        Deadline deadline = deadline(timeout);
        try (AdminSession s = AdminSession.open(cluster, candidate, deadline)) {
            ServerFlavour f = s.flavour();
            ReplicaStatus status = s.replicaStatus("reading the replication status");
            if (status == null) {
                log.info("{} has no replication configured; making sure it takes writes", candidate.name());
            } else {
                s.execute("stopping the receiving thread", f.stopReceiver());
                String received = s.replicaStatus("reading the received position").received();
                if (!received.isEmpty() && !s.awaitApplied("applying the received " + received, received)) {
                    throw s.notDone("applying everything received", "the applied position "
                            + s.queryString("reading the applied position", f.appliedPositionQuery())
                            + " did not reach the received " + received + " within " + timeout + " ("
                            + s.replicaStatus("reading the replication status").describe() + ")");
                }
                s.execute("stopping replication", f.stopReplica());
            }
            boolean semiSync = "ON".equalsIgnoreCase(s.variable(f.semiSyncReplicaEnabled()));
            // read_only goes off before the replication connection is removed: a probe in between sees
            // a writable instance still set up as a replica, never a read-only one without replication
            // (which is how a fenced former primary looks).
            s.execute("turning read_only off", f.readOnlyOff());
            if (status != null) {
                s.execute("removing the replication connection", f.resetReplicaAll());
            }
            if (semiSync) {
                s.execute("enabling the semi-sync primary side", List.of(
                        ServerFlavour.setGlobal(f.semiSyncPrimaryWaitPoint(), "AFTER_SYNC"),
                        ServerFlavour.setGlobal(f.semiSyncPrimaryEnabled(), "ON")));
                log.info("{} was a semi-sync replica; enabled semi-sync on it as primary", candidate.name());
            }
            if (!s.writable("checking read_only")) {
                throw s.notDone("checking it takes writes", "@@read_only is still on");
            }
            ReplicaStatus after = s.replicaStatus("checking no replication is left");
            if (after != null) {
                throw s.notDone("checking no replication is left", "it still replicates " + after.describe());
            }
        }
    }

    @Override
    public void repoint(InstanceConfig replica, InstanceConfig newPrimary, Duration timeout) throws Exception {
        Deadline deadline = deadline(timeout);
        String position;
        boolean semiSync;
        try (AdminSession primary = AdminSession.open(cluster, newPrimary, deadline)) {
            position = primary.queryString("reading the write position", primary.flavour().writePositionQuery);
            semiSync = "ON".equalsIgnoreCase(primary.variable(primary.flavour().semiSyncPrimaryEnabled()));
        }
        try (AdminSession s = AdminSession.open(cluster, replica, deadline)) {
            ServerFlavour f = s.flavour();
            ReplicaStatus before = s.replicaStatus("reading the replication status");
            Credentials account = accountFor(before);
            if (before != null) {
                s.execute("stopping replication", f.stopReplica());
            }
            s.execute("pointing replication at " + newPrimary.name(),
                    f.changeSource(newPrimary.host(), newPrimary.port(), account));
            if (semiSync) {
                // A quorum cluster stays one: the new primary waits for acknowledgements from its replicas.
                s.execute("enabling the semi-sync replica side", ServerFlavour.setGlobal(f.semiSyncReplicaEnabled(),
                        "ON"));
            }
            if ("ON".equalsIgnoreCase(s.variable(f.semiSyncPrimaryEnabled()))) {
                // Left on, a replica's applier would wait for acknowledgements of what it applies.
                s.execute("disabling the semi-sync primary side", ServerFlavour.setGlobal(f.semiSyncPrimaryEnabled(),
                        "OFF"));
            }
            s.execute("starting replication", f.startReplica());
            String step = "applying " + newPrimary.name() + "'s position " + position;
            if (position != null && !position.isEmpty() && !s.awaitApplied(step, position)) {
                throw s.notDone(step, "not reached within " + timeout + " ("
                        + s.replicaStatus("reading the replication status").describe() + ")");
            }
            ReplicaStatus now = s.awaitRunning("checking replication runs");
            if (now == null || !now.running()) {
                throw s.notDone("checking replication runs", now == null ? "no replication configured"
                        : now.describe());
            }
            if (now.sourcePort() != newPrimary.port()) {
                throw s.notDone("checking the source", "it replicates " + now.describe());
            }
        }
    }

    /** The explicit account, else null (keep the configured one) when there is one, else the admin account. */
    private Credentials accountFor(ReplicaStatus before) {
        if (replication != null) {
            return replication;
        }
        if (before != null && !before.sourceUser().isEmpty()) {
            return null;
        }
        return cluster.adminCredentials();
    }

    @Override
    public void fence(InstanceConfig former, Duration timeout) throws SQLException {
        Deadline deadline = deadline(timeout);
        try (AdminSession s = AdminSession.open(cluster, former, deadline)) {
            s.execute("making it read-only", s.flavour().readOnlyOn());
            if (s.writable("checking read_only")) {
                throw s.notDone("making it read-only", "@@read_only is still off");
            }
            int ended = killClientSessions(s);
            log.info("fenced {}: read-only, {} client session(s) ended", former.name(), ended);
        }
    }

    /** Ends every client session on the server except this one; returns how many. */
    private static int killClientSessions(AdminSession s) throws SQLException {
        long own = ownId(s);
        List<Long> victims = new ArrayList<>();
        s.query("listing sessions", "SELECT ID, USER, COMMAND FROM information_schema.PROCESSLIST", rs -> {
            while (rs.next()) {
                long id = rs.getLong(1);
                if (ServerFlavour.isClientSession(id, rs.getString(2), rs.getString(3), own)) {
                    victims.add(id);
                }
            }
        });
        return kill(s, victims);
    }

    private static long ownId(AdminSession s) throws SQLException {
        return Long.parseLong(s.queryString("reading the own connection id", "SELECT CONNECTION_ID()"));
    }

    /** Ends the sessions {@code victims} names; one that has ended meanwhile is skipped. Returns how many ended. */
    private static int kill(AdminSession s, List<Long> victims) throws SQLException {
        int ended = 0;
        for (long id : victims) {
            try {
                s.execute("ending session " + id, "KILL CONNECTION " + id);
                ended++;
            } catch (SQLException e) {
                if (e.getErrorCode() != UNKNOWN_THREAD) {
                    throw e;
                }
            }
        }
        return ended;
    }

    @Override
    public void makeReadOnly(InstanceConfig primary, Duration timeout) throws SQLException {
        Deadline deadline = deadline(timeout);
        try (AdminSession s = AdminSession.open(cluster, primary, deadline)) {
            s.execute("making it read-only", s.flavour().readOnlyOn());
            if (s.writable("checking read_only")) {
                throw s.notDone("making it read-only", "@@read_only is still off");
            }
            List<Long> open = openTransactions(s);
            int ended = kill(s, open);
            log.info("{} is read-only for a switchover; {} session(s) still inside a transaction ended {}",
                    primary.name(), ended, open);
        }
    }

    /**
     * Sessions with an InnoDB transaction that may write: every row of {@code INNODB_TRX} but
     * autocommit reads (which end on their own and cannot write), this session, server threads and
     * Auriga's control connections. Those are told by their {@code program_name} connection attribute
     * where {@code performance_schema} records it (MySQL by default; MariaDB with
     * {@code performance_schema=ON}); elsewhere none is in the list anyway, since they only read
     * variables, status and {@code mysql.global_priv} (Aria), never an InnoDB table.
     */
    private static List<Long> openTransactions(AdminSession s) throws SQLException {
        long own = ownId(s);
        java.util.Set<Long> control = new java.util.HashSet<>();
        try {
            s.query("listing control connections", "SELECT PROCESSLIST_ID FROM performance_schema.session_connect_attrs"
                    + " WHERE ATTR_NAME = 'program_name' AND ATTR_VALUE = "
                    + ServerFlavour.literal(MariaDbJdbc.PROGRAM_NAME), rs -> {
                        while (rs.next()) {
                            control.add(rs.getLong(1));
                        }
                    });
        } catch (SQLException e) {
            log.debug("{}: no connection attributes to tell control connections by: {}", s.name(), e.getMessage());
        }
        List<Long> victims = new ArrayList<>();
        s.query("listing open transactions", "SELECT t.trx_mysql_thread_id, p.USER, p.COMMAND"
                + " FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p"
                + " ON p.ID = t.trx_mysql_thread_id WHERE t.trx_autocommit_non_locking = 0", rs -> {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        if (!control.contains(id) && ServerFlavour.isClientSession(id, rs.getString(2),
                                rs.getString(3), own)) {
                            victims.add(id);
                        }
                    }
                });
        return victims;
    }

    @Override
    public void makeWritable(InstanceConfig primary, Duration timeout) throws SQLException {
        Deadline deadline = deadline(timeout);
        try (AdminSession s = AdminSession.open(cluster, primary, deadline)) {
            s.execute("turning read_only off", s.flavour().readOnlyOff());
            if (!s.writable("checking read_only")) {
                throw s.notDone("turning read_only off", "@@read_only is still on");
            }
        }
    }

    /**
     * Waits until {@code replica} has applied everything {@code primary} wrote to its binary log.
     *
     * @return the position reached as one number ({@link ServerFlavour#positionNumber}: MariaDB's
     *         sequence number in domain 0, the transaction count of a MySQL GTID set)
     * @throws SQLException naming both positions when {@code timeout} passes first
     */
    @Override
    public long awaitCaughtUp(InstanceConfig primary, InstanceConfig replica, Duration timeout)
            throws SQLException {
        Deadline waitUntil = deadline(timeout);
        // Room after the wait for reading where the replica got to, for the error.
        Deadline sessionDeadline = waitUntil.plus(Duration.ofSeconds(5));
        try (AdminSession p = AdminSession.open(cluster, primary, sessionDeadline);
             AdminSession r = AdminSession.open(cluster, replica, sessionDeadline)) {
            String query = p.flavour().writePositionQuery;
            String written = p.queryString("reading the write position", query);
            while (true) {
                if (written == null || written.isBlank()) {
                    return 0;
                }
                if (!r.awaitApplied("applying " + primary.name() + "'s position " + written, written, waitUntil)) {
                    String applied = r.queryString("reading the applied position",
                            r.flavour().appliedPositionQuery());
                    ReplicaStatus status = r.replicaStatus("reading the replication status");
                    throw new SQLException(replica.name() + " applied up to " + applied + " but " + primary.name()
                            + " has written up to " + written + " (not caught up within " + timeout.toMillis()
                            + " ms; " + (status == null ? "no replication configured" : status.describe()) + ")");
                }
                String now = p.queryString("reading the write position again", query);
                if (java.util.Objects.equals(now, written)) {
                    return p.flavour().positionNumber(written);
                }
                written = now;
            }
        }
    }

    @Override
    public boolean isPrimary(InstanceConfig instance, Duration timeout) throws SQLException {
        try (AdminSession s = AdminSession.open(cluster, instance, deadline(timeout))) {
            return s.writable("checking read_only") && s.replicaStatus("reading the replication status") == null;
        }
    }

    /**
     * {@code durability: quorum} on MariaDB: semi-synchronous replication that never falls back to
     * asynchronous ({@link MariaDbSemiSync#require}).
     */
    @Override
    public void requireSynchronousStandbys(InstanceConfig instance, List<String> standbys, Duration timeout)
            throws SQLException, InterruptedException {
        semiSync.require(instance, standbys, timeout);
    }

    @Override
    public Optional<String> synchronousStandbysDrift(InstanceConfig instance, List<String> standbys,
                                                     Duration timeout) throws SQLException {
        return semiSync.drift(instance, standbys, timeout);
    }

    /** Turns on semi-synchronous replication on {@code primary} and {@code replicas} ({@link MariaDbSemiSync#enable}). */
    public void enableSemiSync(InstanceConfig primary, List<InstanceConfig> replicas, Duration ackTimeout,
                               Duration timeout) throws SQLException, InterruptedException {
        semiSync.enable(primary, replicas, ackTimeout, timeout);
    }

    private Deadline deadline(Duration timeout) {
        return Deadline.after(ticker, timeout);
    }
}
