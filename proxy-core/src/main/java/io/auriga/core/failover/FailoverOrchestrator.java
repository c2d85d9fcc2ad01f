package io.auriga.core.failover;

import static io.auriga.core.topology.FailoverState.Phase.AWAITING_PUBLICATION;
import static io.auriga.core.topology.FailoverState.Phase.HELD;
import static io.auriga.core.topology.FailoverState.Phase.HOLDING;
import static io.auriga.core.topology.FailoverState.Phase.NO_CANDIDATE;
import static io.auriga.core.topology.FailoverState.Phase.PRIMARY_LOST;
import static io.auriga.core.topology.FailoverState.Phase.PROMOTING;
import static io.auriga.core.topology.FailoverState.Phase.REPOINTING;
import static io.auriga.core.topology.FailoverState.Phase.STEADY;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.failover.FailoverTable.Event;
import io.auriga.core.health.Monitor;
import io.auriga.core.topology.FailoverState;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyChange;
import io.auriga.core.topology.TopologyHolder;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a lost primary and runs planned switchovers, moving the cluster's {@link FailoverState}
 * (held by the {@link TopologyHolder}) along {@link FailoverTable} and nowhere else:
 * <pre>
 *   snapshot without the primary ─► PRIMARY_LOST ─► plan ({@link FailoverPlan#decide}, or
 *       {@link FailoverPlan#decideQuorum}: HELD, saying why) ─► PROMOTING: the lost primary is fenced
 *       (the monitor reads it from the state), the candidate promoted on the worker
 *   ─► AWAITING_PUBLICATION: the monitor, asked to probe now, publishes the candidate (the epoch grows)
 *   ─► REPOINTING: the other replicas follow it ─► STEADY
 * </pre>
 * Every step reads what it needs from the state, so an orchestrator handed a state mid-way carries
 * on from it ({@link #resume}); a failed promotion is logged and planned again from the next snapshot.
 * A planned {@linkplain #switchover switchover} starts only from STEADY and runs on the same worker,
 * so a failover and a switchover never overlap. A former primary seen again is fenced and rejoined
 * ({@link FormerPrimaries}).
 */
public final class FailoverOrchestrator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FailoverOrchestrator.class);

    private final ClusterConfig cluster;
    private final TopologyHolder holder;
    private final Runnable probeNow;
    private final ClusterOperations operations;
    private final Rejoiner rejoiner;
    private final QuorumKeeper quorum;
    private final Clock clock;
    private final ScheduledExecutorService worker;
    private final ExecutorService rejoinWorker;
    private final Transitions moves;
    private final FormerPrimaries former;
    /** The last primary the snapshots showed; who a failover replaces. */
    private volatile String lastPrimary;

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
        this(cluster, holder, monitor, operations, rejoiner, quorum, Clock.systemUTC());
    }

    /** @param clock measures the steps and dates the state */
    public FailoverOrchestrator(ClusterConfig cluster, TopologyHolder holder, Monitor monitor,
                                ClusterOperations operations, Rejoiner rejoiner, QuorumKeeper quorum, Clock clock) {
        this(cluster, holder, monitor::probeNow, operations, rejoiner, quorum, clock,
                Executors.newSingleThreadScheduledExecutor(daemon("auriga-failover-" + cluster.name())),
                Executors.newSingleThreadExecutor(daemon("auriga-rejoin-" + cluster.name())));
    }

    /**
     * @param probeNow     asks the monitor for a round at once (after a promotion, say)
     * @param worker       runs every step, one at a time, and the deadline of the publication
     * @param rejoinWorker runs rejoins, which can take minutes and must not hold up a failover
     */
    public FailoverOrchestrator(ClusterConfig cluster, TopologyHolder holder, Runnable probeNow,
                                ClusterOperations operations, Rejoiner rejoiner, QuorumKeeper quorum, Clock clock,
                                ScheduledExecutorService worker, ExecutorService rejoinWorker) {
        this.cluster = cluster;
        this.holder = holder;
        this.probeNow = probeNow;
        this.operations = operations;
        this.rejoiner = rejoiner;
        this.quorum = quorum;
        this.clock = clock;
        this.worker = worker;
        this.rejoinWorker = rejoinWorker;
        this.moves = new Transitions(cluster.name(), holder);
        this.former = new FormerPrimaries(cluster, operations, rejoiner, worker, rejoinWorker, () -> lastPrimary,
                probeNow);
        holder.current().primary().ifPresent(p -> lastPrimary = p.name());
        holder.addListener(this::changed);
        resume(holder.failoverState());
    }

    private void changed(TopologyChange change) {
        Topology now = change.after();
        now.primary().ifPresent(p -> lastPrimary = p.name());
        former.observe(now);
        FailoverState state = holder.failoverState();
        switch (state.phase()) {
            case STEADY -> {
                state = forgetRejoined(state, now);
                if (cluster.failover().auto() && lost(now)) {
                    FailoverState pending = new FailoverState(PRIMARY_LOST, lastPrimary, null, now.epoch(), now.at(),
                            null, null, state.fenced());
                    if (moves.move(state, Event.PRIMARY_LOST, pending, lastPrimary)) {
                        decide(pending, now);
                    }
                }
            }
            case PRIMARY_LOST, HELD, NO_CANDIDATE -> {
                if (cluster.failover().auto()) {
                    decide(state, now);
                }
            }
            case AWAITING_PUBLICATION -> {
                if (published(now, state)) {
                    published(state, now);
                }
            }
            default -> {
                // A failover step or a switchover is running on the worker; it moves the state on.
            }
        }
    }

    /** Former primaries seen replaying again leave the fenced set. */
    private FailoverState forgetRejoined(FailoverState state, Topology now) {
        for (String name : state.fenced()) {
            if (now.instance(name).map(i -> i.role() == Role.REPLICA).orElse(false)) {
                FailoverState next = state.unfencing(name);
                if (!moves.move(state, Event.FENCED_REJOINED, next, name)) {
                    return holder.failoverState();
                }
                state = next;
            }
        }
        return state;
    }

    /** The last primary is down and no instance is the single primary. */
    private boolean lost(Topology now) {
        return now.primary().isEmpty() && lastPrimary != null
                && now.instance(lastPrimary).map(i -> i.role() == Role.DOWN).orElse(false);
    }

    /** From PRIMARY_LOST, HELD or NO_CANDIDATE: on the monitor's thread, so the state cannot move meanwhile. */
    private void decide(FailoverState state, Topology now) {
        if (!lost(now) || (quorum != null && !FailoverPlan.needed(now, lastPrimary))) {
            moves.move(state, Event.PRIMARY_BACK, state.ended(), now.primary().map(p -> p.name() + " is primary")
                    .orElse("no instance is the single primary"));
            return;
        }
        if (quorum == null) {
            Optional<FailoverPlan> plan = FailoverPlan.decide(now, lastPrimary);
            if (plan.isPresent()) {
                start(state, plan.get(), now);
            } else if (state.phase() != NO_CANDIDATE) {
                moves.move(state, Event.NO_CANDIDATE, state.in(NO_CANDIDATE), lastPrimary);
            }
            return;
        }
        if (state.phase() == PRIMARY_LOST) {
            probeNow.run(); // positions read after the loss, without waiting for the next interval
        }
        FailoverPlan.QuorumDecision decision = FailoverPlan.decideQuorum(now, lastPrimary, state.since());
        if (decision.hold() != null) {
            String hold = "primary " + lastPrimary + " was lost; not promoting yet (durability: quorum): "
                    + decision.hold();
            if (state.phase() != HELD || !hold.equals(state.detail())) {
                moves.move(state, decision.blocked() ? Event.HOLD_BLOCKED : Event.HOLD, state.held(hold), hold);
            }
            return;
        }
        decision.plan().ifPresent(plan -> start(state, plan, now));
    }

    private void start(FailoverState state, FailoverPlan plan, Topology now) {
        InstanceState candidate = plan.candidate();
        FailoverState promoting = new FailoverState(PROMOTING, plan.lost(), candidate.name(), now.epoch(),
                clock.instant(), null, plan.followers().stream().map(InstanceState::name).toList(), state.fenced())
                .fencing(plan.lost());
        // Moved here, on the thread that published the loss, not once the worker gets to it: a writer
        // session connecting in between would otherwise be refused instead of waiting.
        if (moves.move(state, Event.PLANNED, promoting, plan.lost(), candidate.name(),
                candidate.config().promotionTier(), candidate.position(), candidate.received(),
                candidate.lagMillis())) {
            probeNow.run(); // the lost primary is published fenced at once
            worker.execute(() -> promote(promoting, false));
        }
    }

    /** PROMOTING: promotes the candidate; resumed, first asks whether it already is primary. */
    private void promote(FailoverState state, boolean resumed) {
        Duration timeout = cluster.failover().failoverTimeout();
        InstanceConfig candidate = config(state.to());
        long started = clock.millis();
        try {
            if (!resumed || !alreadyPrimary(candidate)) {
                if (quorum != null) {
                    quorum.prepare(candidate, timeout);
                }
                operations.promote(candidate, timeout);
            }
        } catch (Exception e) {
            moves.require(state, Event.PROMOTION_FAILED, state.ended(), state.to(), e.getMessage());
            return;
        }
        lastPrimary = state.to();
        probeNow.run();
        FailoverState awaiting = state.in(AWAITING_PUBLICATION);
        moves.require(state, Event.PROMOTED, awaiting, state.to(), clock.millis() - started);
        awaitPublication(awaiting);
    }

    private boolean alreadyPrimary(InstanceConfig candidate) {
        try {
            return operations.isPrimary(candidate, cluster.failover().probeTimeout());
        } catch (Exception e) {
            return false;
        }
    }

    /** AWAITING_PUBLICATION: on to REPOINTING once the monitor publishes the candidate, or at the deadline. */
    private void awaitPublication(FailoverState state) {
        if (published(holder.current(), state)) {
            published(state, holder.current());
            return;
        }
        long timeout = cluster.failover().failoverTimeout().toMillis();
        worker.schedule(() -> {
            FailoverState repointing = state.in(REPOINTING);
            if (moves.move(state, Event.PUBLICATION_OVERDUE, repointing, state.to(), timeout)) {
                repoint(repointing);
            }
        }, timeout, TimeUnit.MILLISECONDS);
    }

    private static boolean published(Topology now, FailoverState state) {
        return now.primary().map(p -> p.name().equals(state.to())).orElse(false);
    }

    private void published(FailoverState state, Topology now) {
        FailoverState repointing = state.in(REPOINTING);
        if (moves.move(state, Event.PUBLISHED, repointing, state.to(), now.epoch())) {
            worker.execute(() -> repoint(repointing));
        }
    }

    /** REPOINTING: each follower is pointed at the new primary; a failure is logged and left for an operator. */
    private void repoint(FailoverState state) {
        InstanceConfig primary = config(state.to());
        for (String name : state.followers()) {
            try {
                operations.repoint(config(name), primary, cluster.failover().failoverTimeout());
                log.info("cluster {}: {} now replicates from {}", cluster.name(), name, state.to());
            } catch (Exception e) {
                log.error("cluster {}: repointing {} to {} failed: {}", cluster.name(), name, state.to(),
                        e.getMessage());
            }
        }
        moves.require(state, Event.REPOINTED, state.ended(), state.to());
    }

    /**
     * Carries on from {@code state}, as an orchestrator that took over from another would: each step
     * first finds out whether it already happened. Deciding states are decided from the next snapshot.
     */
    private void resume(FailoverState state) {
        switch (state.phase()) {
            case PROMOTING -> worker.execute(() -> promote(state, true));
            case AWAITING_PUBLICATION -> worker.execute(() -> awaitPublication(state));
            case REPOINTING -> worker.execute(() -> repoint(state));
            case STEADY, PRIMARY_LOST, HELD, NO_CANDIDATE -> { }
            default -> worker.execute(() -> switchoverOf(state).resume(state));
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
        FailoverState steady = holder.failoverState();
        FailoverState holding = new FailoverState(HOLDING, plan.primary().name(), plan.candidate().name(),
                holder.current().epoch(), clock.instant(), null,
                plan.followers().stream().map(InstanceState::name).toList(), steady.fenced());
        if (steady.phase() != STEADY || !moves.move(steady, Event.SWITCHOVER_REQUESTED, holding,
                plan.primary().name(), plan.candidate().name(), plan.candidate().config().promotionTier(),
                plan.candidate().lagMillis())) {
            String message = "a failover or switchover of cluster " + cluster.name() + " is already running";
            log.warn("cluster {}: switchover refused: {}", cluster.name(), message);
            return CompletableFuture.completedFuture(SwitchoverResult.refused(cluster.name(),
                    SwitchoverResult.Outcome.CONFLICT, message));
        }
        CompletableFuture<SwitchoverResult> done = new CompletableFuture<>();
        try {
            worker.execute(() -> {
                try {
                    SwitchoverResult result = switchoverOf(holding).run(holding);
                    lastPrimary = result.newPrimary();
                    done.complete(result);
                } catch (RuntimeException | Error e) {
                    log.error("cluster {}: switchover failed", cluster.name(), e);
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private Switchover switchoverOf(FailoverState state) {
        return new Switchover(cluster, holder, moves, probeNow, operations, rejoiner, quorum, former, clock,
                config(state.from()), config(state.to()));
    }

    private InstanceConfig config(String name) {
        return cluster.instances().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("cluster " + cluster.name() + " has no instance "
                        + name));
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
