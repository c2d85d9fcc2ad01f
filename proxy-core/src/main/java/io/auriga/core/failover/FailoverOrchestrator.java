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
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a lost primary. Listens to the cluster's snapshots; when {@link FailoverPlan#decide}
 * yields a plan it fences the lost primary in the topology at once (so it is never routed to
 * again, even if it returns), promotes the candidate, has the monitor publish the new primary
 * (raising the epoch), and repoints the other replicas. A former primary seen again is made
 * read-only and its sessions ended. Steps run on one thread per cluster, each with a deadline;
 * a failed promotion is logged and planned again from the next snapshot.
 *
 * <p>A planned {@linkplain #switchover switchover} runs on the same thread under the same busy
 * flag, so a failover and a switchover never overlap, and no failover is planned while a
 * switchover makes the old primary read-only and hands its role over.
 */
public final class FailoverOrchestrator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FailoverOrchestrator.class);

    private final ClusterConfig cluster;
    private final TopologyHolder holder;
    private final Monitor monitor;
    private final ClusterOperations operations;
    private final Rejoiner rejoiner;
    private final ExecutorService worker;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final Set<String> fencing = ConcurrentHashMap.newKeySet();
    private volatile String lastPrimary;
    private volatile String noCandidateLogged;

    /**
     * @param rejoiner turns a fenced former primary into a replica of the current one, for clusters
     *                 whose servers Auriga manages (the demo's sandbox); null leaves it fenced
     */
    public FailoverOrchestrator(ClusterConfig cluster, TopologyHolder holder, Monitor monitor,
                                ClusterOperations operations, Rejoiner rejoiner) {
        this.cluster = cluster;
        this.rejoiner = rejoiner;
        this.holder = holder;
        this.monitor = monitor;
        this.operations = operations;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "auriga-failover-" + cluster.name());
            t.setDaemon(true);
            return t;
        });
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
        Optional<FailoverPlan> plan = FailoverPlan.decide(now, lastPrimary);
        if (plan.isEmpty()) {
            warnWhenStuck(now);
            return;
        }
        if (busy.compareAndSet(false, true)) {
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
                    SwitchoverResult result = new Switchover(cluster, holder, monitor, operations, rejoiner, fencing,
                            plan).run();
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
        log.warn("cluster {}: primary {} is lost; promoting {} (tier {}, position {}, lag {} ms)", cluster.name(),
                plan.lost(), candidate, plan.candidate().config().promotionTier(), plan.candidate().position(),
                plan.candidate().lagMillis());
        holder.beginFailover("primary " + plan.lost() + " was lost; promoting " + candidate);
        monitor.requestFence(plan.lost());
        long started = System.nanoTime();
        try {
            operations.promote(plan.candidate().config(), timeout);
        } catch (Exception e) {
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
        try {
            operations.fence(instance.config(), cluster.failover().probeTimeout().multipliedBy(2));
            log.warn("cluster {}: former primary {} is back; made it read-only and ended its sessions",
                    cluster.name(), instance.name());
        } catch (Exception e) {
            fencing.remove(instance.name());
            log.error("cluster {}: fencing {} failed: {}", cluster.name(), instance.name(), e.getMessage());
            return;
        }
        if (rejoiner == null || primary == null) {
            return;
        }
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

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
