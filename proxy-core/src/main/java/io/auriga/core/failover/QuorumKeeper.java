package io.auriga.core.failover;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyChange;
import io.auriga.core.topology.TopologyHolder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code durability: quorum} in force: the primary acknowledges a commit only once one member
 * of its synchronous set has it too. The set of a primary is every other instance that may be promoted
 * ({@link #standbys}): fixed per primary, so a replica that is down stays named and one that comes back
 * acknowledges again at once. When no member is streaming, commits wait rather than silently becoming
 * asynchronous; the operator decides (see the README).
 *
 * <pre>
 *   topology change ──► primary or replica set changed? ──► worker: require the set on the primary
 *   failover        ──► {@link #prepare}: require the new set on the candidate before it is promoted
 * </pre>
 * Changes are applied on one worker thread with at most one queued run, each with a deadline; a failed
 * run is logged and retried from a later snapshot, no sooner than {@link #RETRY_AFTER}. Every
 * {@link #CHECK_EVERY} the worker asks whether what was applied is still in force
 * ({@link ClusterOperations#synchronousStandbysDrift}): a setting changed by hand, or a standby
 * restarted without its side of it, would otherwise leave commits unprotected or waiting unseen.
 * What drifted is logged and applied again.
 */
public final class QuorumKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuorumKeeper.class);
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    static final Duration CHECK_EVERY = Duration.ofSeconds(10);

    private final ClusterConfig cluster;
    private final TopologyHolder holder;
    private final ClusterOperations operations;
    private final Clock clock;
    private final Duration timeout;
    private final ExecutorService worker;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile Applied applied;
    /** What was last handed to the worker (or prepared); null after a failure, so that it is tried again. */
    private volatile Applied requested;
    private volatile Instant retryAt = Instant.MIN;
    private volatile Instant checkAt = Instant.MAX;
    private Set<String> replicasSeen = Set.of();
    private String unprotectedLogged;

    /** What is in force: the primary and the names of its synchronous set. */
    private record Applied(String primary, List<String> standbys) {
    }

    public QuorumKeeper(ClusterConfig cluster, TopologyHolder holder, ClusterOperations operations, Clock clock) {
        this(cluster, holder, operations, clock, new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(1), r -> {
                    Thread t = new Thread(r, "auriga-quorum-" + cluster.name());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardPolicy()));
    }

    /** @param worker applies and checks the settings, one run at a time (at most one is queued) */
    public QuorumKeeper(ClusterConfig cluster, TopologyHolder holder, ClusterOperations operations, Clock clock,
                        ExecutorService worker) {
        this.cluster = cluster;
        this.holder = holder;
        this.operations = operations;
        this.clock = clock;
        this.timeout = cluster.failover().probeTimeout().multipliedBy(3);
        this.worker = worker;
        holder.addListener(this::changed);
        consider(holder.current());
    }

    /** Whether an instance may be in a synchronous set: only one that may be promoted, or its copy could be lost. */
    public static boolean mayAcknowledge(InstanceConfig instance) {
        return !instance.noFailover();
    }

    /** The synchronous set of {@code primary}: every other instance that may be promoted, in configuration order. */
    public static List<String> standbys(ClusterConfig cluster, String primary) {
        return cluster.instances().stream()
                .filter(i -> !i.name().equals(primary) && mayAcknowledge(i))
                .map(InstanceConfig::name)
                .toList();
    }

    /**
     * Requires the synchronous set of the plan's candidate on it before it is promoted, so its first
     * commit as primary already waits for a standby. Blocks for at most {@code deadline}.
     */
    public void prepare(FailoverPlan plan, Duration deadline) throws Exception {
        prepare(plan.candidate().config(), deadline);
    }

    /** As {@link #prepare(FailoverPlan, Duration)}, for the candidate of a planned switchover. */
    public void prepare(InstanceConfig candidateConfig, Duration deadline) throws Exception {
        String candidate = candidateConfig.name();
        List<String> standbys = standbys(cluster, candidate);
        operations.requireSynchronousStandbys(candidateConfig, standbys, deadline);
        applied = new Applied(candidate, standbys);
        requested = applied;
        checkAt = clock.instant().plus(CHECK_EVERY);
        log.info("cluster {}: {} will acknowledge commits once one of {} has them (durability: quorum)",
                cluster.name(), candidate, standbys);
    }

    private void changed(TopologyChange change) {
        consider(change.after());
    }

    // Called on the monitor's thread only (the constructor aside), so the fields without volatile are safe.
    private void consider(Topology now) {
        Optional<InstanceState> primary = now.primary();
        if (primary.isEmpty()) {
            return;
        }
        Set<String> replicas = now.replicas().stream().map(InstanceState::name).collect(Collectors.toSet());
        boolean replicaAdded = !replicasSeen.containsAll(replicas);
        replicasSeen = replicas;
        Applied wanted = new Applied(primary.get().name(), standbys(cluster, primary.get().name()));
        warnWhenUnprotected(wanted, replicas);
        boolean due = !wanted.equals(requested) || replicaAdded;
        Instant at = clock.instant();
        if (due && !at.isBefore(retryAt)) {
            // A run already queued reads the snapshot when it starts, so it applies this one too.
            requested = wanted;
            if (queued.compareAndSet(false, true)) {
                worker.execute(this::applyCurrent);
            }
        } else if (wanted.equals(applied) && !at.isBefore(checkAt) && !changing()
                && queued.compareAndSet(false, true)) {
            checkAt = at.plus(CHECK_EVERY);
            worker.execute(this::checkCurrent);
        }
    }

    /**
     * A failover or switchover is under way: it changes these settings step by step itself (a replica
     * being repointed replicates without acknowledging for a moment), so a check would find drift that
     * is not, and applying the set again would restart receivers the hand-over is repointing.
     */
    private boolean changing() {
        return holder.failover() != null || holder.switchover() != null;
    }

    /** Applies the set again when what was applied is no longer in force. */
    private void checkCurrent() {
        queued.set(false);
        Applied was = applied;
        InstanceState primary = holder.current().primary().orElse(null);
        if (was == null || primary == null || !primary.name().equals(was.primary()) || changing()) {
            return;
        }
        try {
            Optional<String> drift = operations.synchronousStandbysDrift(primary.config(), was.standbys(), timeout);
            if (drift.isPresent()) {
                log.warn("cluster {}: durability: quorum is not in force on {}: {}; applying it again",
                        cluster.name(), was.primary(), drift.get());
                applyCurrent();
            }
        } catch (Exception e) {
            log.warn("cluster {}: cannot check durability: quorum on {}: {}", cluster.name(), was.primary(),
                    e.getMessage());
        }
    }

    private void applyCurrent() {
        queued.set(false);
        InstanceState primary = holder.current().primary().orElse(null);
        if (primary == null) {
            return;
        }
        Applied wanted = new Applied(primary.name(), standbys(cluster, primary.name()));
        try {
            operations.requireSynchronousStandbys(primary.config(), wanted.standbys(), timeout);
            if (!wanted.equals(applied)) {
                log.info("cluster {}: {} acknowledges commits once one of {} has them (durability: quorum)",
                        cluster.name(), wanted.primary(), wanted.standbys());
            }
            applied = wanted;
            checkAt = clock.instant().plus(CHECK_EVERY);
        } catch (Exception e) {
            retryAt = clock.instant().plus(RETRY_AFTER);
            requested = null;
            log.error("cluster {}: cannot require a synchronous standby on {} (durability: quorum); retrying: {}",
                    cluster.name(), wanted.primary(), e.getMessage());
        }
    }

    /** Says once, loudly, when commits will wait because no member of the set is a healthy replica. */
    private void warnWhenUnprotected(Applied wanted, Set<String> replicas) {
        boolean unprotected = wanted.standbys().stream().noneMatch(replicas::contains);
        if (unprotected && !wanted.primary().equals(unprotectedLogged)) {
            unprotectedLogged = wanted.primary();
            log.error("cluster {}: no replica of {} is healthy ({}); with durability: quorum its commits wait "
                    + "until one is back", cluster.name(), wanted.primary(), wanted.standbys());
        } else if (!unprotected) {
            unprotectedLogged = null;
        }
    }

    /** The instance whose set is in force and that set, for logs and tests; null before the first success. */
    String appliedDescription() {
        Applied a = applied;
        return a == null ? null : a.primary() + " " + a.standbys();
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
