package io.auriga.core.failover;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.failover.FailoverTable.Event;
import io.auriga.core.topology.FailoverState;
import io.auriga.core.topology.FailoverState.Phase;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyChange;
import io.auriga.core.topology.TopologyHolder;
import io.auriga.core.topology.WriterGate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
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
 * go on there. Runs on the cluster's failover thread, so it never overlaps a failover. Each step
 * moves the cluster's {@link FailoverState} along {@link FailoverTable} (HOLDING, DEMOTING,
 * CATCHING_UP, HANDING_OVER, PUBLISHING, REJOINING; ROLLING_BACK), from which the monitor learns
 * that the old primary stays the primary while read-only, and when it is to be fenced.
 */
final class Switchover {
    private static final Logger log = LoggerFactory.getLogger(Switchover.class);
    private static final Duration MIN_STEP_TIMEOUT = Duration.ofSeconds(2);

    private final ClusterConfig cluster;
    private final TopologyHolder holder;
    private final Transitions moves;
    private final Runnable probeNow;
    private final ClusterOperations operations;
    private final Rejoiner rejoiner;
    private final QuorumKeeper quorum;
    private final FormerPrimaries former;
    private final Clock clock;
    private final InstanceConfig oldPrimary;
    private final InstanceConfig candidate;
    private final Duration stepTimeout;
    private final List<SwitchoverResult.Step> steps = new ArrayList<>();
    private final long started;
    private long heldAt;
    private FailoverState state;

    Switchover(ClusterConfig cluster, TopologyHolder holder, Transitions moves, Runnable probeNow,
               ClusterOperations operations, Rejoiner rejoiner, QuorumKeeper quorum, FormerPrimaries former,
               Clock clock, InstanceConfig oldPrimary, InstanceConfig candidate) {
        this.quorum = quorum;
        this.cluster = cluster;
        this.holder = holder;
        this.moves = moves;
        this.probeNow = probeNow;
        this.operations = operations;
        this.rejoiner = rejoiner;
        this.former = former;
        this.clock = clock;
        this.oldPrimary = oldPrimary;
        this.candidate = candidate;
        this.started = clock.millis();
        Duration probeBased = cluster.failover().probeTimeout().multipliedBy(3);
        this.stepTimeout = probeBased.compareTo(MIN_STEP_TIMEOUT) < 0 ? MIN_STEP_TIMEOUT : probeBased;
    }

    /** Runs the switchover from HOLDING (the orchestrator moved there when it accepted the request). */
    SwitchoverResult run(FailoverState holding) {
        state = holding;
        try {
            String failedStep = "hold";
            try {
                hold();
                failedStep = "drain";
                drain();
                failedStep = "read-only";
                // From here on the old primary may report itself read-only: it is still the primary.
                advance(Event.DRAINED, Phase.DEMOTING);
                step("read-only", () -> {
                    operations.makeReadOnly(oldPrimary, stepTimeout);
                    return oldPrimary.name() + " refuses new writes";
                });
                advance(Event.READ_ONLY, Phase.CATCHING_UP, oldPrimary.name());
                failedStep = "catch-up";
                step("catch-up", this::catchUp);
                advance(Event.CAUGHT_UP, Phase.HANDING_OVER, candidate.name());
                failedStep = "promote";
                former.leave(oldPrimary.name());
                promote();
                advance(Event.PROMOTED, Phase.PUBLISHING, candidate.name());
            } catch (Exception e) {
                if (!failedStep.equals("promote") || !candidateIsPrimary()) {
                    return rollBack(failedStep, e);
                }
                advance(Event.PROMOTED_DESPITE_ERROR, Phase.PUBLISHING, candidate.name(), message(e));
            }
            return rollForward();
        } catch (RuntimeException | Error e) {
            abort(e);
            throw e;
        } finally {
            if (holder.writerGate().held()) {
                // Only an unexpected error gets here with the gate still held: never leave sessions waiting.
                log.error("cluster {}: the switchover ended without opening the writer gate; opening it",
                        cluster.name());
                holder.writerGate().release();
            }
        }
    }

    /**
     * Carries on from a switchover state another orchestrator left: before the promotion it rolls
     * back (the old primary made writable again, which is harmless when it still is), from the
     * promotion on it rolls forward (publishing, repointing and rejoining find what already happened).
     */
    SwitchoverResult resume(FailoverState at) {
        state = at;
        log.warn("cluster {}: carrying on with the switchover from {} to {} from {}", cluster.name(),
                oldPrimary.name(), candidate.name(), at.phase());
        return switch (at.phase()) {
            case HOLDING, DEMOTING, CATCHING_UP -> rollBack(at.phase().name().toLowerCase(),
                    new IllegalStateException("the switchover was interrupted"));
            case HANDING_OVER -> candidateIsPrimary() ? resumeForward()
                    : rollBack("promote", new IllegalStateException("the switchover was interrupted"));
            case PUBLISHING, REJOINING -> rollForward();
            case ROLLING_BACK -> rolledBack("resumed", new IllegalStateException("the switchover was interrupted"));
            default -> throw new IllegalStateException("not a switchover state: " + at.phase());
        };
    }

    private SwitchoverResult resumeForward() {
        former.leave(oldPrimary.name());
        advance(Event.PROMOTED, Phase.PUBLISHING, candidate.name());
        return rollForward();
    }

    private void advance(Event event, Phase next, Object... args) {
        FailoverState to = next == Phase.PUBLISHING ? state.in(next).fencing(oldPrimary.name()) : state.in(next);
        moves.require(state, event, to, args);
        state = to;
    }

    private void abort(Throwable e) {
        if (state.phase() != Phase.STEADY) {
            FailoverState ended = state.ended();
            if (moves.move(state, Event.ABORTED, ended, state.phase(), message(e))) {
                state = ended;
            }
        }
    }

    private void hold() {
        WriterGate gate = holder.writerGate();
        heldAt = clock.millis();
        gate.hold();
        record("hold", heldAt, gate.pending() + " writer session(s) not yet between transactions");
    }

    private void drain() throws InterruptedException {
        WriterGate gate = holder.writerGate();
        long begun = clock.millis();
        Duration drain = cluster.failover().switchoverDrain();
        if (gate.awaitDrained(drain)) {
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
        gate.awaitDrained(stepTimeout);
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
        long publishBegun = clock.millis();
        probeNow.run(); // the state fences the old primary: published at once
        boolean published = awaitPublished(publishBegun);
        record("publish", publishBegun, published ? candidate.name() + " published as primary (epoch "
                + holder.current().epoch() + "), " + oldPrimary.name() + " fenced"
                : candidate.name() + " not yet published after " + cluster.failover().failoverTimeout().toMillis()
                + " ms; held sessions follow when it is");
        advance(Event.PUBLISHED, Phase.REJOINING, candidate.name());
        holder.writerGate().release();
        long pause = heldAt == 0 ? -1 : clock.millis() - heldAt;
        record("release", clock.millis(), "writes were held for " + pause + " ms");
        repoint();
        String former = rejoinOrFence();
        long total = clock.millis() - started;
        String message = "switched over from " + oldPrimary.name() + " to " + candidate.name() + "; writes held for "
                + pause + " ms; " + oldPrimary.name() + (former.equals("replica")
                ? " is a replica of " + candidate.name()
                : " is fenced read-only: rejoin it as a replica of " + candidate.name() + " by hand");
        FailoverState ended = state.ended();
        moves.require(state, Event.REJOINED, ended, message, total);
        state = ended;
        return new SwitchoverResult(cluster.name(), SwitchoverResult.Outcome.COMPLETED, oldPrimary.name(),
                candidate.name(), pause, total, former, message, steps);
    }

    /**
     * Waits until the monitor publishes the candidate as the primary, at most the failover timeout
     * from {@code begunMillis} on the clock; a listener on the holder completes the wait, so it ends as
     * soon as the snapshot is out.
     */
    private boolean awaitPublished(long begunMillis) {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        Consumer<TopologyChange> listener = change -> {
            if (isCandidate(change.after())) {
                seen.complete(null);
            }
        };
        holder.addListener(listener);
        try {
            // Published before the listener was added (the probe asked for may already have run).
            if (isCandidate(holder.current())) {
                return true;
            }
            long deadline = begunMillis + cluster.failover().failoverTimeout().toMillis();
            for (long left = deadline - clock.millis(); left > 0; left = deadline - clock.millis()) {
                try {
                    seen.get(left, TimeUnit.MILLISECONDS);
                    return true;
                } catch (TimeoutException e) {
                    // Waited as long as the clock said was left; it decides whether time is up.
                } catch (ExecutionException e) {
                    throw new IllegalStateException("never completed exceptionally", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return isCandidate(holder.current());
        } finally {
            holder.removeListener(listener);
        }
    }

    private boolean isCandidate(Topology topology) {
        return topology.primary().map(p -> p.name().equals(candidate.name())).orElse(false);
    }

    private void repoint() {
        for (String follower : state.followers()) {
            long begun = clock.millis();
            try {
                operations.repoint(config(follower), candidate, cluster.failover().failoverTimeout());
                record("repoint " + follower, begun, follower + " replicates from " + candidate.name());
            } catch (Exception e) {
                record("repoint " + follower, begun, "failed: " + message(e));
                log.error("cluster {}: repointing {} to {} failed: {}", cluster.name(), follower,
                        candidate.name(), message(e));
            }
        }
    }

    /** @return {@code replica} when the old primary rejoined, {@code fenced} when it stays read-only */
    private String rejoinOrFence() {
        long begun = clock.millis();
        if (rejoiner != null) {
            try {
                rejoiner.rejoin(oldPrimary.name(), candidate.name());
                probeNow.run();
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
        FailoverState rolling = state.in(Phase.ROLLING_BACK);
        moves.require(state, Event.STEP_FAILED, rolling, failedStep, message(cause));
        state = rolling;
        return rolledBack(failedStep, cause);
    }

    /** ROLLING_BACK: the old primary is made writable again (harmless when it is), then held sessions go on. */
    private SwitchoverResult rolledBack(String failedStep, Exception cause) {
        long begun = clock.millis();
        former.release(oldPrimary.name());
        String writable;
        try {
            operations.makeWritable(oldPrimary, stepTimeout);
            writable = oldPrimary.name() + " is writable again";
        } catch (Exception e) {
            writable = "making " + oldPrimary.name() + " writable again failed (" + message(e) + ")";
            log.error("cluster {}: {}", cluster.name(), writable);
        }
        holder.writerGate().release();
        long pause = heldAt == 0 ? -1 : clock.millis() - heldAt;
        record("roll back", begun, writable + "; held sessions went on there");
        String message = "switchover from " + oldPrimary.name() + " to " + candidate.name() + " failed at step "
                + failedStep + ": " + message(cause) + "; rolled back: " + writable;
        // Only now the hand-over ends: until the old primary is writable again the monitor keeps it the primary.
        FailoverState ended = state.ended();
        moves.require(state, Event.ROLLED_BACK, ended, message);
        state = ended;
        return new SwitchoverResult(cluster.name(), SwitchoverResult.Outcome.ROLLED_BACK, oldPrimary.name(),
                oldPrimary.name(), pause, clock.millis() - started, "primary", message, steps);
    }

    private InstanceConfig config(String name) {
        return cluster.instances().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("cluster " + cluster.name() + " has no instance "
                        + name));
    }

    private interface Action {
        String run() throws Exception;
    }

    private void step(String name, Action action) throws Exception {
        long begun = clock.millis();
        record(name, begun, action.run());
    }

    private void record(String name, long begunMillis, String detail) {
        long millis = clock.millis() - begunMillis;
        steps.add(new SwitchoverResult.Step(name, millis, detail));
        log.info("cluster {}: switchover step {} done in {} ms: {}", cluster.name(), name, millis, detail);
    }

    static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
