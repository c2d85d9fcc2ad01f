package io.auriga.mysql.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.session.Ticker;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Semi-synchronous replication for {@code durability: quorum} on MariaDB (and MySQL, see
 * {@link ServerFlavour}), from SQL with the cluster's admin credentials: requiring it on a primary
 * and its standbys ({@link #require}), telling what of it no longer holds ({@link #drift}), and turning
 * it on for a whole cluster at once ({@link #enable}).
 */
final class MariaDbSemiSync {
    private static final Logger log = LoggerFactory.getLogger(MariaDbSemiSync.class);

    private final ClusterConfig cluster;
    private final Ticker ticker;

    /** @param ticker measures every step's deadline */
    MariaDbSemiSync(ClusterConfig cluster, Ticker ticker) {
        this.cluster = cluster;
        this.ticker = ticker;
    }

    /**
     * The acknowledgement timeout under {@code durability: quorum}: the largest value both flavours accept
     * (about 49 days), so a commit waits for a replica instead of silently becoming asynchronous.
     */
    static final long QUORUM_ACK_TIMEOUT_MILLIS = 4_294_967_295L;

    /** How long a primary side waits for restarted standbys to connect as semi-sync before it is enabled. */
    static final Duration ACKNOWLEDGING_WAIT = Duration.ofSeconds(2);

    /**
     * {@code durability: quorum} on MariaDB: semi-synchronous replication that never falls back to
     * asynchronous.
     * <pre>
     *   standbys:  replica side on; receiving thread restarted if it is not acknowledging yet
     *              (a standby that cannot be reached is logged and skipped)
     *   instance:  ─ when it replicates (a candidate): replica side on; its promotion enables the
     *                primary side, since it is a semi-sync replica
     *              ─ otherwise: wait (briefly) until the restarted standbys acknowledge, then the
     *                primary side: wait point AFTER_SYNC, timeout {@value #QUORUM_ACK_TIMEOUT_MILLIS} ms,
     *                wait even with no replica connected
     * </pre>
     * The standbys come first. A commit that waits for an acknowledgement while a replica still receives
     * asynchronously reaches that replica unacknowledged; once the replica reconnects as semi-sync, the
     * primary never asks it about that commit again (a dump by GTID reports no position), so the commit
     * would wait until a later commit is acknowledged: forever on a quiet primary.
     *
     * <p>Returns once the primary side is in effect on {@code instance}: a standby that is down does not hold
     * it up, as {@code synchronous_standby_names} on PostgreSQL waits for none either; commits then wait
     * until one standby acknowledges. {@code SET GLOBAL} does not survive a restart: Auriga applies the
     * setting again whenever the primary changes (see the README).
     *
     * @param standbys instance names of the cluster; unknown names are ignored with a warning
     * @throws SQLException when {@code instance} cannot be configured within {@code timeout}
     */
    void require(InstanceConfig instance, List<String> standbys, Duration timeout)
            throws SQLException, InterruptedException {
        Deadline deadline = deadline(timeout);
        try (AdminSession s = AdminSession.open(cluster, instance, deadline)) {
            ServerFlavour f = s.flavour();
            requireVariable(s, f.semiSyncPrimaryEnabled());
            boolean replicating = s.replicaStatus("reading the replication status") != null;
            List<InstanceConfig> reconnected = new ArrayList<>();
            for (String name : standbys) {
                InstanceConfig standby = cluster.instances().stream().filter(i -> i.name().equals(name))
                        .findFirst().orElse(null);
                if (standby == null) {
                    log.warn("cluster {}: no instance {} to acknowledge commits of {}", cluster.name(), name,
                            instance.name());
                } else if (!standby.name().equals(instance.name()) && enableSemiSyncReplica(standby, deadline)) {
                    reconnected.add(standby);
                }
            }
            List<String> settings = new ArrayList<>(List.of(
                    ServerFlavour.setGlobal(f.semiSyncPrimaryWaitPoint(), "AFTER_SYNC"),
                    ServerFlavour.setGlobal(f.semiSyncPrimaryTimeout(), Long.toString(QUORUM_ACK_TIMEOUT_MILLIS)),
                    ServerFlavour.setGlobal(f.semiSyncPrimaryWaitNoReplica(), "ON")));
            if (replicating) {
                // A replica's own commits are its applier's: enabling the primary side now would make them
                // wait for acknowledgements nobody sends. It is a semi-sync replica, so promote enables it.
                // Its standbys still follow the old primary: nothing to wait for.
                requireVariable(s, f.semiSyncReplicaEnabled());
                settings.add(ServerFlavour.setGlobal(f.semiSyncReplicaEnabled(), "ON"));
            } else {
                awaitAcknowledging(reconnected, deadline);
                settings.add(ServerFlavour.setGlobal(f.semiSyncPrimaryEnabled(), "ON"));
            }
            s.execute("enabling semi-sync without fallback", settings);
            if (!replicating) {
                awaitPrimarySide(s, deadline, timeout);
            }
        }
    }

    /**
     * On a primary: its semi-sync primary side as {@link #requireSynchronousStandbys} leaves it, and each
     * reachable standby replicating as a semi-sync client (a replica restarted without
     * {@code rpl_semi_sync_slave_enabled} in its option file is not, and acknowledges nothing).
     */
    Optional<String> drift(InstanceConfig instance, List<String> standbys, Duration timeout)
            throws SQLException {
        Deadline deadline = deadline(timeout);
        List<String> drift = new ArrayList<>();
        try (AdminSession s = AdminSession.open(cluster, instance, deadline)) {
            ServerFlavour f = s.flavour();
            if (s.replicaStatus("reading the replication status") != null) {
                return Optional.empty();
            }
            expect(s, f.semiSyncPrimaryEnabled(), "ON", drift);
            expect(s, f.semiSyncPrimaryWaitNoReplica(), "ON", drift);
            expect(s, f.semiSyncPrimaryTimeout(), Long.toString(QUORUM_ACK_TIMEOUT_MILLIS), drift);
        }
        for (String name : standbys) {
            InstanceConfig standby = cluster.instance(name).orElse(null);
            if (standby == null || standby.name().equals(instance.name())) {
                continue;
            }
            try (AdminSession s = AdminSession.open(cluster, standby, deadline)) {
                String state = s.status(s.flavour().semiSyncReplicaStatus());
                if (s.replicaStatus("reading the replication status") != null && !"ON".equalsIgnoreCase(state)) {
                    drift.add(name + " replicates without acknowledging (" + s.flavour().semiSyncReplicaStatus()
                            + " " + state + ")");
                }
            } catch (SQLException e) {
                // Unreachable: its return as a replica applies the requirement again.
            }
        }
        return drift.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", drift));
    }

    private static void expect(AdminSession s, String variable, String wanted, List<String> drift)
            throws SQLException {
        String value = s.variable(variable);
        if (!wanted.equalsIgnoreCase(value)) {
            drift.add(variable + " is " + value + ", not " + wanted);
        }
    }

    /**
     * Enables the replica side on {@code standby}, and turns its primary side off while it replicates (a
     * former primary keeps it otherwise, and its applier would then wait for acknowledgements). Logs and
     * returns false when it cannot be reached or configured; returns true when its receiving thread was
     * restarted to negotiate semi-sync.
     */
    private boolean enableSemiSyncReplica(InstanceConfig standby, Deadline deadline) {
        try (AdminSession s = AdminSession.open(cluster, standby, deadline)) {
            ServerFlavour f = s.flavour();
            requireVariable(s, f.semiSyncReplicaEnabled());
            s.execute("enabling the semi-sync replica side", ServerFlavour.setGlobal(f.semiSyncReplicaEnabled(), "ON"));
            ReplicaStatus status = s.replicaStatus("reading the replication status");
            if (status != null) {
                s.execute("disabling the semi-sync primary side of a replica",
                        ServerFlavour.setGlobal(f.semiSyncPrimaryEnabled(), "OFF"));
                if (!"ON".equalsIgnoreCase(s.status(f.semiSyncReplicaStatus()))) {
                    // The replica side is negotiated when the receiving thread connects.
                    s.execute("reconnecting as semi-sync", List.of(f.stopReceiver(), f.startReceiver()));
                    return true;
                }
            }
        } catch (SQLException e) {
            log.warn("cluster {}: {} does not acknowledge commits yet (it is enabled again when the primary "
                    + "changes or it rejoins): {}", cluster.name(), standby.name(), e.getMessage());
        }
        return false;
    }

    /**
     * Waits until each restarted standby's receiving thread has connected as semi-sync, for at most
     * {@link #ACKNOWLEDGING_WAIT} and half the time left before {@code deadline}; one that is still
     * connecting is logged and left (it asks for what it lacks with acknowledgements once it connects).
     */
    private void awaitAcknowledging(List<InstanceConfig> standbys, Deadline deadline) throws InterruptedException {
        Deadline until = Deadline.after(ticker, Duration.ofNanos(Math.min(ACKNOWLEDGING_WAIT.toNanos(),
                deadline.nanosLeft() / 2)));
        for (InstanceConfig standby : standbys) {
            String state = null;
            try (AdminSession s = AdminSession.open(cluster, standby, until)) {
                while (!"ON".equalsIgnoreCase(state = s.status(s.flavour().semiSyncReplicaStatus()))
                        && until.millisLeft() > 0) {
                    Thread.sleep(10);
                }
            } catch (SQLException e) {
                state = e.getMessage();
            }
            if (!"ON".equalsIgnoreCase(state)) {
                log.warn("cluster {}: {} is not acknowledging yet ({}); requiring acknowledgements anyway",
                        cluster.name(), standby.name(), state);
            }
        }
    }

    private static void awaitPrimarySide(AdminSession s, Deadline deadline, Duration timeout)
            throws SQLException, InterruptedException {
        ServerFlavour f = s.flavour();
        while (true) {
            String active = s.status(f.semiSyncPrimaryStatus());
            if ("ON".equalsIgnoreCase(active)) {
                return;
            }
            if (deadline.millisLeft() <= 0) {
                throw s.notDone("waiting for the semi-sync primary side", "status " + active + " after " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Turns on semi-synchronous replication: on {@code primary} the primary side, waiting for an
     * acknowledgement after the binary-log sync and before the commit returns ({@code AFTER_SYNC}, so no
     * client sees a commit a failover could lose), falling back to asynchronous after {@code ackTimeout};
     * on each replica the replica side, restarting its receiving thread so it reconnects as semi-sync.
     * Returns once the primary counts every replica as a semi-sync client and reports itself active.
     *
     * @throws SQLException naming every instance and step that failed (the others stay enabled), or when
     *                      the clients do not appear before {@code timeout}
     */
    void enable(InstanceConfig primary, List<InstanceConfig> replicas, Duration ackTimeout, Duration timeout)
            throws SQLException, InterruptedException {
        Deadline deadline = deadline(timeout);
        List<String> failures = new ArrayList<>();
        try (AdminSession s = AdminSession.open(cluster, primary, deadline)) {
            ServerFlavour f = s.flavour();
            requireVariable(s, f.semiSyncPrimaryEnabled());
            s.execute("enabling the semi-sync primary side", List.of(
                    ServerFlavour.setGlobal(f.semiSyncPrimaryWaitPoint(), "AFTER_SYNC"),
                    ServerFlavour.setGlobal(f.semiSyncPrimaryTimeout(), Long.toString(ackTimeout.toMillis())),
                    ServerFlavour.setGlobal(f.semiSyncPrimaryEnabled(), "ON")));
        }
        int enabled = 0;
        for (InstanceConfig replica : replicas) {
            try (AdminSession s = AdminSession.open(cluster, replica, deadline)) {
                ServerFlavour f = s.flavour();
                requireVariable(s, f.semiSyncReplicaEnabled());
                s.execute("enabling the semi-sync replica side", ServerFlavour.setGlobal(f.semiSyncReplicaEnabled(),
                        "ON"));
                ReplicaStatus status = s.replicaStatus("reading the replication status");
                if (status == null) {
                    throw s.notDone("reconnecting as semi-sync", "no replication configured");
                }
                // The replica side is negotiated when the receiving thread connects.
                s.execute("reconnecting as semi-sync", List.of(f.stopReceiver(), f.startReceiver()));
                enabled++;
            } catch (SQLException e) {
                failures.add(e.getMessage());
            }
        }
        awaitSemiSyncClients(primary, enabled, deadline, timeout, failures);
        if (!failures.isEmpty()) {
            throw new SQLException("semi-sync is not enabled everywhere: " + String.join("; ", failures));
        }
    }

    private void awaitSemiSyncClients(InstanceConfig primary, int expected, Deadline deadline, Duration timeout,
                                      List<String> failures) throws SQLException, InterruptedException {
        try (AdminSession s = AdminSession.open(cluster, primary, deadline)) {
            ServerFlavour f = s.flavour();
            while (true) {
                String active = s.status(f.semiSyncPrimaryStatus());
                String clients = s.status(f.semiSyncPrimaryClients());
                if ("ON".equalsIgnoreCase(active) && clients != null && Integer.parseInt(clients) >= expected) {
                    return;
                }
                if (deadline.millisLeft() <= 0) {
                    failures.add(s.notDone("waiting for semi-sync replicas", "status " + active + " with "
                            + clients + " of " + expected + " replicas connected after " + timeout).getMessage());
                    return;
                }
                Thread.sleep(100);
            }
        }
    }

    private static void requireVariable(AdminSession s, String variable) throws SQLException {
        if (s.variable(variable) == null) {
            throw s.notDone("checking semi-sync support", "the server has no " + variable
                    + (s.flavour() == ServerFlavour.MYSQL ? " (install the semisync plugins first)" : ""));
        }
    }

    private Deadline deadline(Duration timeout) {
        return Deadline.after(ticker, timeout);
    }
}
