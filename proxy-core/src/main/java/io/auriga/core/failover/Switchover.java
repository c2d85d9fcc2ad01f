package io.auriga.core.failover;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.health.Monitor;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.TopologyHolder;
import io.auriga.core.topology.WriterGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one planned switchover, step by step, each bounded by a deadline and logged with its
 * duration:
 * <pre>
 *   hold       writer sessions keep their next command once between transactions ({@link WriterGate})
 *   drain      open transactions finish, until switchover-drain; the rest lose theirs (40001, as in failover)
 *   read-only  the old primary refuses new writes; its idle sessions stay
 *   catch-up   the candidate replays everything the old primary wrote
 *   promote    ─── from here on the switchover rolls forward ───
 *   publish    the old primary is fenced in the topology, the candidate published (the epoch grows)
 *   release    held sessions move to the new primary (their state replayed) and their command runs there
 *   repoint    the other replicas follow the new primary
 *   rejoin     the old primary becomes a replica (where Auriga manages it), else stays fenced read-only
 * </pre>
 * A failure before promotion rolls back: the old primary is made writable again and held sessions
 * go on there. Runs on the cluster's failover thread, so it never overlaps a failover.
 */
final class Switchover {
    private static final Logger log = LoggerFactory.getLogger(Switchover.class);
    private static final Duration MIN_STEP_TIMEOUT = Duration.ofSeconds(2);

    private final ClusterConfig cluster;
    private final TopologyHolder holder;
    private final Monitor monitor;
    private final ClusterOperations operations;
    private final Rejoiner rejoiner;
    private final QuorumKeeper quorum;
    private final Set<String> fencing;
    private final SwitchoverPlan plan;
    private final InstanceConfig oldPrimary;
    private final InstanceConfig candidate;
    private final Duration stepTimeout;
    private final List<SwitchoverResult.Step> steps = new ArrayList<>();
    private final long started = System.nanoTime();
    private long heldAt;

    /**
     * @param fencing former primaries the orchestrator must not fence and rejoin on its own; the
     *                old primary is added before it is fenced in the topology
     */
    Switchover(ClusterConfig cluster, TopologyHolder holder, Monitor monitor, ClusterOperations operations,
               Rejoiner rejoiner, QuorumKeeper quorum, Set<String> fencing, SwitchoverPlan plan) {
        this.quorum = quorum;
        this.cluster = cluster;
        this.holder = holder;
        this.monitor = monitor;
        this.operations = operations;
        this.rejoiner = rejoiner;
        this.fencing = fencing;
        this.plan = plan;
        this.oldPrimary = plan.primary().config();
        this.candidate = plan.candidate().config();
        Duration probeBased = cluster.failover().probeTimeout().multipliedBy(3);
        this.stepTimeout = probeBased.compareTo(MIN_STEP_TIMEOUT) < 0 ? MIN_STEP_TIMEOUT : probeBased;
    }

    SwitchoverResult run() {
        log.warn("cluster {}: switchover from {} to {} begins (tier {}, lag {} ms)", cluster.name(), oldPrimary.name(),
                candidate.name(), candidate.promotionTier(), plan.candidate().lagMillis());
        holder.beginSwitchover("switchover from " + oldPrimary.name() + " to " + candidate.name());
        try {
            String failedStep = "hold";
            try {
                hold();
                failedStep = "drain";
                drain();
                failedStep = "read-only";
                // From here on the old primary may report itself read-only: it is still the primary.
                monitor.expectHandover(oldPrimary.name(), candidate.name());
                step("read-only", () -> {
                    operations.makeReadOnly(oldPrimary, stepTimeout);
                    return oldPrimary.name() + " refuses new writes";
                });
                failedStep = "catch-up";
                step("catch-up", this::catchUp);
                failedStep = "promote";
                fencing.add(oldPrimary.name());
                promote();
            } catch (Exception e) {
                if (!failedStep.equals("promote") || !candidateIsPrimary()) {
                    return rollBack(failedStep, e);
                }
                log.warn("cluster {}: promoting {} reported an error but it is primary now; rolling forward: {}",
                        cluster.name(), candidate.name(), message(e));
            }
            return rollForward();
        } finally {
            if (holder.writerGate().held()) {
                // Only an unexpected error gets here with the gate still held: never leave sessions waiting.
                log.error("cluster {}: the switchover ended without opening the writer gate; opening it",
                        cluster.name());
                holder.writerGate().release();
            }
            holder.endSwitchover();
        }
    }

    private void hold() {
        WriterGate gate = holder.writerGate();
        heldAt = System.nanoTime();
        gate.hold();
        record("hold", heldAt, gate.pending() + " writer session(s) not yet between transactions");
    }

    private void drain() throws InterruptedException {
        WriterGate gate = holder.writerGate();
        long begun = System.nanoTime();
        Duration drain = cluster.failover().switchoverDrain();
        if (gate.awaitDrained(begun + drain.toNanos())) {
            record("drain", begun, "every writer session is between transactions");
            return;
        }
        int left = gate.pending();
        String why = "switchover from " + oldPrimary.name() + " to " + candidate.name() + ": the transaction was "
                + "still open after the switchover drain of " + drain.toMillis() + " ms";
        log.warn("cluster {}: {} writer session(s) still inside a transaction after {} ms; ending their transactions",
                cluster.name(), left, drain.toMillis());
        gate.expire(why);
        // Sessions end their transaction on their own threads; the read-only step ends any that linger.
        gate.awaitDrained(System.nanoTime() + stepTimeout.toNanos());
        record("drain", begun, left + " session(s) still in a transaction at the deadline lost it");
    }

    private String catchUp() throws Exception {
        long position = operations.awaitCaughtUp(oldPrimary, candidate, cluster.failover().failoverTimeout());
        return candidate.name() + " replayed " + oldPrimary.name() + "'s log up to position " + position;
    }

    private void promote() throws Exception {
        step("promote", () -> {
            if (quorum != null) {
                // Its first commit as primary already waits for a replica.
                quorum.prepare(candidate, stepTimeout);
            }
            operations.promote(candidate, cluster.failover().failoverTimeout());
            return candidate.name() + " accepts writes";
        });
    }

    private boolean candidateIsPrimary() {
        try {
            return operations.isPrimary(candidate, stepTimeout);
        } catch (Exception e) {
            // Unknown: rolling back could leave two primaries; rolling forward cannot.
            log.error("cluster {}: cannot tell whether {} was promoted ({}); rolling forward", cluster.name(),
                    candidate.name(), message(e));
            return true;
        }
    }

    private SwitchoverResult rollForward() {
        long publishBegun = System.nanoTime();
        monitor.requestFence(oldPrimary.name());
        boolean published = awaitPublished();
        record("publish", publishBegun, published ? candidate.name() + " published as primary (epoch "
                + holder.current().epoch() + "), " + oldPrimary.name() + " fenced"
                : candidate.name() + " not yet published after " + cluster.failover().failoverTimeout().toMillis()
                + " ms; held sessions follow when it is");
        holder.writerGate().release();
        long pause = (System.nanoTime() - heldAt) / 1_000_000;
        record("release", System.nanoTime(), "writes were held for " + pause + " ms");
        repoint();
        String former = rejoinOrFence();
        long total = (System.nanoTime() - started) / 1_000_000;
        String message = "switched over from " + oldPrimary.name() + " to " + candidate.name() + "; writes held for "
                + pause + " ms; " + oldPrimary.name() + (former.equals("replica")
                ? " is a replica of " + candidate.name()
                : " is fenced read-only: rejoin it as a replica of " + candidate.name() + " by hand");
        log.warn("cluster {}: {} ({} ms in all)", cluster.name(), message, total);
        return new SwitchoverResult(cluster.name(), SwitchoverResult.Outcome.COMPLETED, oldPrimary.name(),
                candidate.name(), pause, total, former, message, steps);
    }

    private boolean awaitPublished() {
        long deadline = System.nanoTime() + cluster.failover().failoverTimeout().toNanos();
        while (System.nanoTime() - deadline < 0) {
            boolean isPrimary = holder.current().primary().map(p -> p.name().equals(candidate.name())).orElse(false);
            if (isPrimary) {
                return true;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void repoint() {
        for (InstanceState follower : plan.followers()) {
            long begun = System.nanoTime();
            try {
                operations.repoint(follower.config(), candidate, cluster.failover().failoverTimeout());
                record("repoint " + follower.name(), begun, follower.name() + " replicates from " + candidate.name());
            } catch (Exception e) {
                record("repoint " + follower.name(), begun, "failed: " + message(e));
                log.error("cluster {}: repointing {} to {} failed: {}", cluster.name(), follower.name(),
                        candidate.name(), message(e));
            }
        }
    }

    /** @return {@code replica} when the old primary rejoined, {@code fenced} when it stays read-only */
    private String rejoinOrFence() {
        long begun = System.nanoTime();
        if (rejoiner != null) {
            try {
                rejoiner.rejoin(oldPrimary.name(), candidate.name());
                monitor.probeNow();
                record("rejoin", begun, oldPrimary.name() + " streams from " + candidate.name());
                return "replica";
            } catch (Exception e) {
                record("rejoin", begun, "failed, " + oldPrimary.name() + " stays fenced: " + message(e));
                log.error("cluster {}: rejoining {} to {} failed; it stays fenced: {}", cluster.name(),
                        oldPrimary.name(), candidate.name(), message(e));
                return "fenced";
            }
        }
        try {
            // Idle sessions of other clients on the old primary are ended; the proxy's have moved.
            operations.fence(oldPrimary, stepTimeout);
            record("fence", begun, oldPrimary.name() + " stays read-only; Auriga does not manage its server");
        } catch (Exception e) {
            record("fence", begun, "failed: " + message(e));
            log.error("cluster {}: fencing {} failed: {}", cluster.name(), oldPrimary.name(), message(e));
        }
        return "fenced";
    }

    private SwitchoverResult rollBack(String failedStep, Exception cause) {
        log.error("cluster {}: switchover step {} failed: {}; rolling back", cluster.name(), failedStep,
                message(cause));
        long begun = System.nanoTime();
        fencing.remove(oldPrimary.name());
        String writable;
        try {
            operations.makeWritable(oldPrimary, stepTimeout);
            writable = oldPrimary.name() + " is writable again";
        } catch (Exception e) {
            writable = "making " + oldPrimary.name() + " writable again failed (" + message(e) + ")";
            log.error("cluster {}: {}", cluster.name(), writable);
        }
        // Only now: until it is writable again, the monitor must keep taking it for the primary.
        monitor.cancelHandover();
        holder.writerGate().release();
        long pause = heldAt == 0 ? -1 : (System.nanoTime() - heldAt) / 1_000_000;
        record("roll back", begun, writable + "; held sessions went on there");
        String message = "switchover from " + oldPrimary.name() + " to " + candidate.name() + " failed at step "
                + failedStep + ": " + message(cause) + "; rolled back: " + writable;
        log.warn("cluster {}: {}", cluster.name(), message);
        return new SwitchoverResult(cluster.name(), SwitchoverResult.Outcome.ROLLED_BACK, oldPrimary.name(),
                oldPrimary.name(), pause, (System.nanoTime() - started) / 1_000_000, "primary", message, steps);
    }

    private interface Action {
        String run() throws Exception;
    }

    private void step(String name, Action action) throws Exception {
        long begun = System.nanoTime();
        record(name, begun, action.run());
    }

    private void record(String name, long begunNanos, String detail) {
        long millis = (System.nanoTime() - begunNanos) / 1_000_000;
        steps.add(new SwitchoverResult.Step(name, millis, detail));
        log.info("cluster {}: switchover step {} done in {} ms: {}", cluster.name(), name, millis, detail);
    }

    static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
