package io.auriga.core.failover;

import io.auriga.config.ClusterConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.health.Monitor;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyChange;
import io.auriga.core.topology.TopologyHolder;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a lost primary. Listens to the cluster's snapshots; when {@link FailoverPlan#decide}
 * yields a plan it fences the lost primary in the topology at once (so it is never routed to
 * again, even if it returns), promotes the candidate, has the monitor publish the new primary
 * (raising the epoch), and repoints the other replicas. A former primary seen again is made
 * read-only and its sessions ended. Steps run on one thread per cluster, each with a deadline;
 * a failed promotion is logged and planned again from the next snapshot. Under quorum durability the
 * plan comes from {@link FailoverPlan#decideQuorum}: a failover is held (and said so in the topology)
 * until a replica is known to hold every acknowledged commit, and the candidate is given its
 * synchronous set before it is promoted.
 *
 * <p>A planned {@linkplain #switchover switchover} runs on the same thread under the same busy
 * flag, so a failover and a switchover never overlap, and no failover is planned while a
 * switchover makes the old primary read-only and hands its role over. Rejoining a former primary
 * runs on a thread of its own: it can take minutes and must not hold up a failover.
 */
public final class FailoverOrchestrator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FailoverOrchestrator.class);

    private final ClusterConfig cluster;
    private final TopologyHolder holder;
    private final Monitor monitor;
    private final ClusterOperations operations;
    private final Rejoiner rejoiner;
    private final ExecutorService worker;
    /** Rejoining can take minutes (a rewind, an operator's command): never in the way of a failover. */
    private final ExecutorService rejoinWorker;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final Set<String> fencing = ConcurrentHashMap.newKeySet();
    private volatile String lastPrimary;
    private volatile String noCandidateLogged;
    private final QuorumKeeper quorum;
    private java.time.Instant lostSince;
    private String holdLogged;

    /**
     * @param rejoiner turns a fenced former primary into a replica of the current one, for clusters
     *                 whose servers Auriga manages (the demo's sandbox); null leaves it fenced
     */
    public FailoverOrchestrator(ClusterConfig cluster, TopologyHolder holder, Monitor monitor,
                                ClusterOperations operations, Rejoiner rejoiner) {
        this(cluster, holder, monitor, operations, rejoiner, null);
    }

    /** @param quorum keeps quorum durability on the primary; null for asynchronous durability */
    public FailoverOrchestrator(ClusterConfig cluster, TopologyHolder holder, Monitor monitor,
                                ClusterOperations operations, Rejoiner rejoiner, QuorumKeeper quorum) {
        this.quorum = quorum;
        this.cluster = cluster;
        this.rejoiner = rejoiner;
        this.holder = holder;
        this.monitor = monitor;
        this.operations = operations;
        this.worker = Executors.newSingleThreadExecutor(daemon("auriga-failover-" + cluster.name()));
        this.rejoinWorker = Executors.newSingleThreadExecutor(daemon("auriga-rejoin-" + cluster.name()));
        holder.current().primary().ifPresent(p -> lastPrimary = p.name());
        holder.addListener(this::changed);
    }

    private void changed(TopologyChange change) {
        Topology now = change.after();
        now.primary().ifPresent(p -> {
            lastPrimary = p.name();
            holder.endFailover();
        });
        fenceReturningPrimaries(now);
        if (!cluster.failover().auto() || busy.get()) {
            return;
        }
        Optional<FailoverPlan> plan = quorum == null ? FailoverPlan.decide(now, lastPrimary) : quorumPlan(now);
        if (plan.isEmpty()) {
            if (quorum == null) {
                warnWhenStuck(now);
            }
            return;
        }
        if (busy.compareAndSet(false, true)) {
            // Marked here, on the thread that published the loss, not once the worker gets to it: a
            // writer session connecting in between would otherwise be refused instead of waiting.
            holder.beginFailover("primary " + plan.get().lost() + " was lost; promoting "
                    + plan.get().candidate().name());
            worker.execute(() -> {
                try {
                    run(plan.get());
                } finally {
                    busy.set(false);
                }
            });
        }
    }

    /**
     * Starts a planned switchover to {@code target} (null: the replica a failover would choose) and
     * completes when it has ended. Refused at once, with nothing changed, when the target cannot be
     * promoted or a failover or switchover is already running.
     */
    public CompletableFuture<SwitchoverResult> switchover(String target) {
        SwitchoverPlan plan;
        try {
            plan = SwitchoverPlan.decide(holder.current(), target);
        } catch (SwitchoverRefused e) {
            log.warn("cluster {}: switchover refused: {}", cluster.name(), e.getMessage());
            return CompletableFuture.completedFuture(SwitchoverResult.refused(cluster.name(), e.outcome(),
                    e.getMessage()));
        }
        if (holder.failover() != null || !busy.compareAndSet(false, true)) {
            String message = "a failover or switchover of cluster " + cluster.name() + " is already running";
            log.warn("cluster {}: switchover refused: {}", cluster.name(), message);
            return CompletableFuture.completedFuture(SwitchoverResult.refused(cluster.name(),
                    SwitchoverResult.Outcome.CONFLICT, message));
        }
        CompletableFuture<SwitchoverResult> done = new CompletableFuture<>();
        try {
            worker.execute(() -> {
                try {
                    SwitchoverResult result = new Switchover(cluster, holder, monitor, operations, rejoiner, quorum,
                            fencing, plan).run();
                    lastPrimary = result.newPrimary();
                    done.complete(result);
                } catch (RuntimeException | Error e) {
                    log.error("cluster {}: switchover failed", cluster.name(), e);
                    done.completeExceptionally(e);
                } finally {
                    busy.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            busy.set(false);
            done.completeExceptionally(e);
        }
        return done;
    }

    private void run(FailoverPlan plan) {
        Duration timeout = cluster.failover().failoverTimeout();
        String candidate = plan.candidate().name();
        log.warn("cluster {}: primary {} is lost; promoting {} (tier {}, position {}, received {}, lag {} ms)",
                cluster.name(), plan.lost(), candidate, plan.candidate().config().promotionTier(),
                plan.candidate().position(), plan.candidate().received(), plan.candidate().lagMillis());
        holder.beginFailover("primary " + plan.lost() + " was lost; promoting " + candidate);
        monitor.requestFence(plan.lost());
        monitor.expectHandover(plan.lost(), candidate);
        long started = System.nanoTime();
        try {
            if (quorum != null) {
                quorum.prepare(plan, timeout);
            }
            operations.promote(plan.candidate().config(), timeout);
        } catch (Exception e) {
            monitor.cancelHandover();
            holder.endFailover();
            log.error("cluster {}: promoting {} failed: {}", cluster.name(), candidate, e.getMessage());
            return;
        }
        lastPrimary = candidate;
        monitor.probeNow();
        log.warn("cluster {}: {} promoted in {} ms", cluster.name(), candidate,
                (System.nanoTime() - started) / 1_000_000);
        for (InstanceState follower : plan.followers()) {
            try {
                operations.repoint(follower.config(), plan.candidate().config(), timeout);
                log.info("cluster {}: {} now replicates from {}", cluster.name(), follower.name(), candidate);
            } catch (Exception e) {
                log.error("cluster {}: repointing {} to {} failed: {}", cluster.name(), follower.name(), candidate,
                        e.getMessage());
            }
        }
    }

    /** A fenced former primary that answers probes again is made read-only and its sessions ended, once. */
    private void fenceReturningPrimaries(Topology now) {
        for (InstanceState instance : now.instances()) {
            if (instance.role() == Role.FENCED && instance.error() == null && fencing.add(instance.name())) {
                String primary = now.primary().map(InstanceState::name).orElse(null);
                worker.execute(() -> fenceAndRejoin(instance, primary));
            } else if (instance.role() == Role.REPLICA) {
                fencing.remove(instance.name());
            }
        }
    }

    private void fenceAndRejoin(InstanceState instance, String primary) {
        // Queued behind a failover or switchover on this worker: an instance promoted by it can look
        // fenced to a probe in the middle of its promotion (MariaDB: replication reset, read_only
        // not yet off). Fencing it now would fence the new primary.
        if (instance.name().equals(lastPrimary)) {
            fencing.remove(instance.name());
            log.info("cluster {}: {} looked fenced while it was being promoted; it is the primary, not fenced",
                    cluster.name(), instance.name());
            return;
        }
        try {
            operations.fence(instance.config(), cluster.failover().probeTimeout().multipliedBy(2));
            log.warn("cluster {}: former primary {} is back; made it read-only and ended its sessions",
                    cluster.name(), instance.name());
        } catch (Exception e) {
            fencing.remove(instance.name());
            log.error("cluster {}: fencing {} failed: {}", cluster.name(), instance.name(), e.getMessage());
            return;
        }
        if (rejoiner != null && primary != null) {
            rejoinWorker.execute(() -> rejoin(instance, primary));
        }
    }

    private void rejoin(InstanceState instance, String primary) {
        try {
            rejoiner.rejoin(instance.name(), primary);
            log.warn("cluster {}: former primary {} rejoined as a replica of {}", cluster.name(), instance.name(),
                    primary);
            monitor.probeNow();
        } catch (Exception e) {
            log.error("cluster {}: rejoining {} to {} failed; it stays fenced: {}", cluster.name(), instance.name(),
                    primary, e.getMessage());
        }
    }

    /**
     * The quorum plan for {@code now}; while a needed failover is held, says why in the topology and,
     * once per reason, in the log. Called on the monitor's thread only.
     */
    private Optional<FailoverPlan> quorumPlan(Topology now) {
        if (!FailoverPlan.needed(now, lastPrimary)) {
            lostSince = null;
            holdLogged = null;
            return Optional.empty();
        }
        if (lostSince == null) {
            lostSince = now.at();
            monitor.probeNow(); // positions read after the loss, without waiting for the next interval
        }
        FailoverPlan.QuorumDecision decision = FailoverPlan.decideQuorum(now, lastPrimary, lostSince);
        if (decision.hold() != null) {
            String hold = "primary " + lastPrimary + " was lost; not promoting yet (durability: quorum): "
                    + decision.hold();
            holder.beginFailover(hold);
            if (!hold.equals(holdLogged)) {
                holdLogged = hold;
                if (decision.blocked()) {
                    log.error("cluster {}: {}; writes wait until it reports, or promote a replica by hand "
                            + "(pg_promote) and Auriga follows it", cluster.name(), hold);
                } else {
                    log.info("cluster {}: {}", cluster.name(), hold);
                }
            }
        }
        return decision.plan();
    }

    private void warnWhenStuck(Topology now) {
        if (now.primary().isPresent() || lastPrimary == null) {
            noCandidateLogged = null;
            return;
        }
        boolean lost = now.instance(lastPrimary).map(i -> i.role() == Role.DOWN).orElse(false);
        if (lost && !lastPrimary.equals(noCandidateLogged)) {
            noCandidateLogged = lastPrimary;
            log.error("cluster {}: primary {} is lost and no healthy replica can be promoted; writes are refused "
                    + "until one is", cluster.name(), lastPrimary);
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        worker.shutdownNow();
        rejoinWorker.shutdownNow();
        if (quorum != null) {
            quorum.close();
        }
    }
}
