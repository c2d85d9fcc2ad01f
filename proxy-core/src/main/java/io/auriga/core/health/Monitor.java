package io.auriga.core.health;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.topology.FailoverState;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every instance of one cluster each {@code probe-interval}, all in parallel, and
 * publishes the judged snapshot ({@link TopologyUpdate}) to the cluster's {@link TopologyHolder}.
 * Probing is here; judging is in {@link TopologyUpdate}. What a failover or switchover asks of the
 * monitor it reads from the cluster's {@link FailoverState}: the former primaries to publish fenced,
 * and, while a hand-over of the primary role runs, that the old primary stays the primary even where
 * it reports itself read-only until the successor answers as primary; from that round on the old
 * primary is fenced and the successor published (the epoch grows).
 */
public final class Monitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Monitor.class);

    private final ClusterConfig cluster;
    private final TopologyHolder holder;
    private final Clock clock;
    private final Map<String, Probe> probes = new LinkedHashMap<>();
    private final Map<String, Integer> streaks = new HashMap<>();
    private final Map<String, Future<ProbeResult>> inFlight = new HashMap<>();
    /** Why each instance refused the admin login in the last round; written by rounds only. */
    private volatile Map<String, String> refusedLogins = Map.of();
    /** The last digest of session defaults each instance reported. */
    private final Map<String, String> sessionDefaults = new HashMap<>();
    /** Half an hour of rounds at the default interval, each finding the primary further on. */
    private final PrimaryProgress progress = new PrimaryProgress(4096);
    private final java.util.concurrent.atomic.AtomicLong lastSuspicionRound;
    private static final Duration FIRST_ROUND_TIMEOUT = Duration.ofSeconds(10);
    private final ScheduledExecutorService scheduler;
    private final ExecutorService probeThreads;
    private volatile ScheduledFuture<?> task;
    private volatile boolean closed;

    /** A monitor with its own scheduler thread and one probe thread per instance. */
    public Monitor(ClusterConfig cluster, Probe.Factory factory, TopologyHolder holder, Clock clock) {
        this(cluster, factory, holder, clock,
                Executors.newSingleThreadScheduledExecutor(daemon("auriga-monitor-" + cluster.name())),
                Executors.newFixedThreadPool(cluster.instances().size(), daemon("auriga-probe-" + cluster.name())));
    }

    /**
     * @param scheduler    runs every round, one at a time, and times the next; shut down by {@link #close}
     * @param probeThreads runs the probes of a round side by side (one per instance, so a hanging probe
     *                     holds up no other); shut down by {@link #close}
     */
    public Monitor(ClusterConfig cluster, Probe.Factory factory, TopologyHolder holder, Clock clock,
                   ScheduledExecutorService scheduler, ExecutorService probeThreads) {
        this.cluster = cluster;
        this.holder = holder;
        this.clock = clock;
        this.lastSuspicionRound = new java.util.concurrent.atomic.AtomicLong(clock.millis() - 1000);
        for (InstanceConfig instance : cluster.instances()) {
            probes.put(instance.name(), factory.create(instance));
        }
        this.scheduler = scheduler;
        this.probeThreads = probeThreads;
        holder.onSuspect(this::suspect);
    }

    /** An empty snapshot of a cluster before its first probe: every instance down, epoch 0. */
    public static Topology initial(ClusterConfig cluster, Clock clock) {
        List<InstanceState> instances = cluster.instances().stream()
                .map(i -> InstanceState.unknown(i, clock.instant())).toList();
        return new Topology(cluster.name(), cluster.engine(), 0, instances, clock.instant());
    }

    /** Runs one round now (so the first snapshot is there before endpoints open), then one per interval. */
    public void start() {
        // The first probes open connections from a cold process (driver loading, TLS, SCRAM), which
        // can take longer than a steady-state probe; give them time so endpoints open on a real snapshot.
        Duration steady = cluster.failover().probeTimeout();
        round(steady.compareTo(FIRST_ROUND_TIMEOUT) < 0 ? FIRST_ROUND_TIMEOUT : steady, true);
        scheduleNext();
    }

    /** The next periodic round, an interval after this one ended (a round never overlaps the next). */
    private void scheduleNext() {
        if (closed) {
            return;
        }
        task = scheduler.schedule(() -> {
            roundSafely();
            scheduleNext();
        }, cluster.failover().probeInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A session found its connection to an instance broken: probe now instead of at the next
     * interval, so a dead primary is confirmed in milliseconds. Many sessions notice at once; one
     * extra round per 100 ms is enough.
     */
    private void suspect(String instance) {
        long now = clock.millis();
        long last = lastSuspicionRound.get();
        if (now - last > 100 && lastSuspicionRound.compareAndSet(last, now)) {
            log.debug("cluster {}: a session lost its connection to {}; probing now", cluster.name(), instance);
            probeNow();
        }
    }

    /** The instances that refused the admin login in the last round, with each server's reason. */
    public Map<String, String> refusedLogins() {
        return refusedLogins;
    }

    /** Runs a round as soon as the current one ends (after a promotion, say), not at the next interval. */
    public void probeNow() {
        scheduler.execute(this::roundSafely);
    }

    private void roundSafely() {
        try {
            round();
        } catch (RuntimeException e) {
            log.error("monitor round for cluster {} failed", cluster.name(), e);
        }
    }

    /** Probes every instance once and publishes the result. Called from the scheduler thread only. */
    void round() {
        round(cluster.failover().probeTimeout(), false);
    }

    /** @param waitForAll wait for every instance, not only those taking traffic (the first round) */
    private void round(Duration timeout, boolean waitForAll) {
        // Captured before the probes go out: a probe sent before a cancelled hand-over may still have
        // seen the old primary read-only.
        FailoverState atStart = holder.failoverState();
        Topology before = holder.current();
        Map<String, Future<ProbeResult>> pending = new LinkedHashMap<>();
        probes.forEach((name, probe) -> {
            Future<ProbeResult> previous = inFlight.get(name);
            // A probe still hanging on an instance that was already down is left to finish; one probe
            // object never runs twice at once.
            if (previous == null || previous.isDone()) {
                inFlight.put(name, probeThreads.submit(probe::probe));
            }
            pending.put(name, inFlight.get(name));
        });
        long now = clock.millis();
        long deadline = now + timeout.toMillis() + 200;
        long shortDeadline = Math.min(deadline, now + 100);
        Map<String, ProbeResult> results = new HashMap<>();
        pending.forEach((name, future) -> {
            if (waitForAll || routable(before, name)) {
                // Whoever takes traffic is waited for in full: its verdict decides routing.
                results.put(name, await(future, deadline));
            } else {
                // One that takes none must not hold up the snapshot (a new primary waits to be published).
                ProbeResult quick = awaitBriefly(future, shortDeadline);
                if (quick != null) {
                    results.put(name, quick);
                }
            }
        });
        // A refused connection is a strong signal; one immediate re-probe rules out a blip before it counts.
        results.replaceAll((name, result) -> result.refused() ? probes.get(name).probe() : result);
        results.forEach((name, result) -> streaks.put(name, result.ok() ? 0 : streaks.getOrDefault(name, 0) + 1));
        noticeSessionDefaults(results);
        Map<String, String> refused = new LinkedHashMap<>();
        results.forEach((name, result) -> {
            if (result.loginRefused()) {
                refused.put(name, result.error());
            }
        });
        refusedLogins = refused;
        if (atStart.phase().handover()) {
            // The old primary of a hand-over stays the primary while it reports itself read-only.
            results.computeIfPresent(atStart.from(), (name, result) -> result.ok()
                    && result.role() == io.auriga.core.topology.Role.FENCED ? ProbeResult.primary(result.position())
                    : result);
        }
        FailoverState intent = holder.failoverState();
        java.util.Set<String> fence = new java.util.HashSet<>(intent.fenced());
        java.util.Set<String> promoted = java.util.Set.of();
        if (intent.phase().handover()) {
            ProbeResult successor = results.get(intent.to());
            if (successor != null && successor.ok() && successor.role() == io.auriga.core.topology.Role.PRIMARY) {
                fence.add(intent.from());
                // Seen fenced halfway through its promotion, it is the new primary now, not a returning one.
                promoted = java.util.Set.of(intent.to());
            }
        }
        Topology after = TopologyUpdate.next(before, results, streaks, cluster.failover().failureThreshold(),
                clock.instant(), fence, promoted, progress);
        String reason = TopologyUpdate.describeRoleChanges(before, after).orElse(null);
        if (reason != null) {
            log.info("cluster {}: {}", cluster.name(), reason);
            reportSplitBrain(before, after, fence);
        }
        reportReplicationErrors(before, after);
        holder.publish(after, reason == null ? "probe" : reason);
    }

    /** Each replica whose replication stopped on an error, once per error, and its return. */
    private void reportReplicationErrors(Topology before, Topology after) {
        for (InstanceState now : after.instances()) {
            String was = before.instance(now.name()).map(InstanceState::replicationError).orElse(null);
            String is = now.replicationError();
            if (is != null && !is.equals(was)) {
                log.error("cluster {}: {} stopped replicating: {}; it serves no reads until its replication runs"
                        + " again", cluster.name(), now.name(), is);
            } else if (is == null && was != null && now.role() == io.auriga.core.topology.Role.REPLICA) {
                log.info("cluster {}: {} replicates again and serves reads", cluster.name(), now.name());
            }
        }
    }

    /**
     * Tells the cluster's pools when an instance reports other defaults for new sessions than before:
     * the sessions they keep started with the old ones.
     */
    private void noticeSessionDefaults(Map<String, ProbeResult> results) {
        results.forEach((name, result) -> {
            if (result.ok() && result.sessionDefaults() != null) {
                String before = sessionDefaults.put(name, result.sessionDefaults());
                if (before != null && !before.equals(result.sessionDefaults())) {
                    holder.staleSessions("role or database defaults changed on " + name);
                }
            }
        });
    }

    private void reportSplitBrain(Topology before, Topology after, java.util.Set<String> requested) {
        for (String name : TopologyUpdate.secondPrimaries(before, after, requested)) {
            log.error("cluster {}: TWO PRIMARIES: {} claims to be primary while {} is the primary of epoch {} "
                            + "(promoted outside Auriga?); {} is fenced: never routed to, and made read-only",
                    cluster.name(), name, before.primary().map(InstanceState::name).orElse("?"), after.epoch(), name);
        }
        List<String> primaries = after.instances().stream()
                .filter(i -> i.role() == io.auriga.core.topology.Role.PRIMARY).map(InstanceState::name).toList();
        if (primaries.size() > 1) {
            log.error("cluster {}: TWO PRIMARIES: {} all claim to be primary and none is the standing primary of "
                    + "epoch {}; writes are refused until one remains", cluster.name(), primaries, after.epoch());
        }
    }

    private static boolean routable(Topology topology, String name) {
        return topology.instance(name).map(InstanceState::isRoutable).orElse(true);
    }

    /** The result if it arrives by the deadline, else null with the probe left running. */
    private ProbeResult awaitBriefly(Future<ProbeResult> future, long deadlineMillis) {
        try {
            return future.get(Math.max(0, deadlineMillis - clock.millis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return ProbeResult.failed(String.valueOf(e.getCause()), false);
        }
    }

    private ProbeResult await(Future<ProbeResult> future, long deadlineMillis) {
        try {
            return future.get(Math.max(0, deadlineMillis - clock.millis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return ProbeResult.failed("probe timed out", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProbeResult.failed("probe interrupted", false);
        } catch (java.util.concurrent.ExecutionException e) {
            return ProbeResult.failed(String.valueOf(e.getCause()), false);
        }
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> task = this.task;
        if (task != null) {
            task.cancel(false);
        }
        scheduler.shutdownNow();
        probeThreads.shutdownNow();
        probes.values().forEach(Probe::close);
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
