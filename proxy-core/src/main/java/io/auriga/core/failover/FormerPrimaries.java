package io.auriga.core.failover;

import io.auriga.config.ClusterConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fenced former primary that answers probes again is made read-only and its sessions ended,
 * once, then rejoined as a replica where a {@link Rejoiner} is configured.
 * <pre>
 *   snapshot: X fenced, answering ─► worker: fence X (read-only, sessions ended) ─► rejoin worker: rejoin X
 *   snapshot: X replica            ─► X may be fenced again should it return as primary
 * </pre>
 * Fencing runs on the failover worker, queued behind a failover or switchover; rejoining on a
 * thread of its own, since it can take minutes.
 */
final class FormerPrimaries {
    private static final Logger log = LoggerFactory.getLogger(FailoverOrchestrator.class);

    private final ClusterConfig cluster;
    private final ClusterOperations operations;
    private final Rejoiner rejoiner;
    private final Executor worker;
    private final Executor rejoinWorker;
    private final Supplier<String> lastPrimary;
    private final Runnable probeNow;
    /** Being fenced or rejoined, or left to a switchover that does it itself. */
    private final Set<String> fencing = ConcurrentHashMap.newKeySet();

    FormerPrimaries(ClusterConfig cluster, ClusterOperations operations, Rejoiner rejoiner, Executor worker,
                    Executor rejoinWorker, Supplier<String> lastPrimary, Runnable probeNow) {
        this.cluster = cluster;
        this.operations = operations;
        this.rejoiner = rejoiner;
        this.worker = worker;
        this.rejoinWorker = rejoinWorker;
        this.lastPrimary = lastPrimary;
        this.probeNow = probeNow;
    }

    /** A switchover fences and rejoins {@code name} itself. */
    void leave(String name) {
        fencing.add(name);
    }

    /** The switchover rolled back: {@code name} is the primary again. */
    void release(String name) {
        fencing.remove(name);
    }

    void observe(Topology now) {
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
        if (instance.name().equals(lastPrimary.get())) {
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
            probeNow.run();
        } catch (Exception e) {
            log.error("cluster {}: rejoining {} to {} failed; it stays fenced: {}", cluster.name(), instance.name(),
                    primary, e.getMessage());
        }
    }
}
