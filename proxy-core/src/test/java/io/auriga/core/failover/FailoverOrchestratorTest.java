package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.testing.ManualClock;
import io.auriga.core.testing.ManualScheduler;
import io.auriga.core.topology.FailoverState;
import io.auriga.core.topology.FailoverState.Phase;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topologies;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator walks the transition table on scripted snapshots (the test plays the monitor)
 * and fake engine operations, on a manual clock and scheduler: no sockets, no threads, no sleeps.
 */
class FailoverOrchestratorTest {
    private static final FailoverConfig FAILOVER = new FailoverConfig(true, Duration.ofMillis(500), 3,
            Duration.ofSeconds(1), Duration.ofSeconds(10));
    private static final ClusterConfig CLUSTER = new ClusterConfig("c", Engine.POSTGRES,
            List.of(new InstanceConfig("pg1", "127.0.0.1", 5432, 0, false),
                    new InstanceConfig("pg2", "127.0.0.1", 5433, 0, false),
                    new InstanceConfig("pg3", "127.0.0.1", 5434, 1, false)),
            new Credentials("admin", new Secret("pw", "inline")), List.of(), FAILOVER);

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler worker = new ManualScheduler(clock);
    private final ManualScheduler rejoins = new ManualScheduler(clock);
    private final Ops ops = new Ops();
    private int probes;
    /** What the monitor does when asked to probe at once; nothing unless a test says. */
    private Runnable onProbeNow = () -> { };
    private TopologyHolder holder = new TopologyHolder(Topologies.of("c", 1).primary("pg1").replica("pg2", 0)
            .replica("pg3", 0).build(), clock);

    /** Records every call; promotes and repoints unless told to fail. */
    private final class Ops implements ClusterOperations {
        final List<String> calls = new ArrayList<>();
        final Set<String> primaries = new HashSet<>(Set.of("pg1"));
        String failPromote;
        String failCatchUp;
        Topology publishOnPromote;

        @Override
        public void promote(InstanceConfig candidate, Duration timeout) throws Exception {
            calls.add("promote " + candidate.name());
            if (candidate.name().equals(failPromote)) {
                throw new java.io.IOException("promotion refused");
            }
            primaries.add(candidate.name());
            if (publishOnPromote != null) {
                holder.publish(publishOnPromote, "promoted");
            }
        }

        @Override
        public void repoint(InstanceConfig replica, InstanceConfig newPrimary, Duration timeout) {
            calls.add("repoint " + replica.name() + " to " + newPrimary.name());
        }

        @Override
        public void fence(InstanceConfig former, Duration timeout) {
            calls.add("fence " + former.name());
        }

        @Override
        public void makeReadOnly(InstanceConfig primary, Duration timeout) {
            calls.add("read-only " + primary.name());
        }

        @Override
        public void makeWritable(InstanceConfig primary, Duration timeout) {
            calls.add("writable " + primary.name());
        }

        @Override
        public long awaitCaughtUp(InstanceConfig primary, InstanceConfig replica, Duration timeout)
                throws Exception {
            calls.add("catch-up " + replica.name());
            if (replica.name().equals(failCatchUp)) {
                throw new java.io.IOException("replay stuck");
            }
            return 100;
        }

        @Override
        public boolean isPrimary(InstanceConfig instance, Duration timeout) {
            return primaries.contains(instance.name());
        }
    }

    private FailoverOrchestrator orchestrator() {
        return new FailoverOrchestrator(CLUSTER, holder, () -> {
            probes++;
            onProbeNow.run();
        }, ops, null, null, clock, worker, rejoins);
    }

    private Phase phase() {
        return holder.failoverState().phase();
    }

    private static Topology pg1Lost() {
        return Topologies.of("c", 1).add("pg1", Role.DOWN, 0).replica("pg2", 0).replica("pg3", 5).build();
    }

    private static Topology pg2Published() {
        return Topologies.of("c", 2).add("pg1", Role.FENCED, 0).primary("pg2").replica("pg3", 0).build();
    }

    @Test
    void aLostPrimaryIsReplacedStepByStep() {
        orchestrator();
        holder.publish(pg1Lost(), "pg1 down");
        assertEquals(Phase.PROMOTING, phase(), "decided on the thread that published the loss");
        assertEquals("primary pg1 was lost; promoting pg2", holder.failover());
        assertEquals(Set.of("pg1"), holder.failoverState().fenced(), "the monitor fences the lost primary");
        assertEquals(List.of(), ops.calls, "the promotion runs on the worker");

        worker.runReady();
        assertEquals(List.of("promote pg2"), ops.calls);
        assertEquals(Phase.AWAITING_PUBLICATION, phase());
        assertTrue(probes >= 2, "the monitor is asked to probe at once");

        holder.publish(pg2Published(), "pg2 primary");
        assertEquals(Phase.REPOINTING, phase());
        assertNull(holder.failover(), "published: writers route again");
        worker.runReady();
        assertEquals(List.of("promote pg2", "fence pg1", "repoint pg3 to pg2"), ops.calls,
                "pg1, published fenced and answering, is made read-only");
        assertEquals(Phase.STEADY, phase());
        assertEquals(Set.of("pg1"), holder.failoverState().fenced(), "the former primary stays fenced");
        worker.advance(FAILOVER.failoverTimeout());
        assertEquals(Phase.STEADY, phase(), "the publication deadline passes harmlessly");
        assertEquals(3, ops.calls.size());
    }

    @Test
    void repointingStartsAtTheFailoverTimeoutWhenTheMonitorDoesNotPublish() {
        orchestrator();
        holder.publish(pg1Lost(), "pg1 down");
        worker.runReady();
        worker.advance(FAILOVER.failoverTimeout().minusMillis(1));
        assertEquals(Phase.AWAITING_PUBLICATION, phase());
        worker.advance(Duration.ofMillis(1));
        assertEquals(List.of("promote pg2", "repoint pg3 to pg2"), ops.calls);
        assertEquals(Phase.STEADY, phase());
    }

    @Test
    void aFailedPromotionEndsTheFailoverAndKeepsTheLostPrimaryFenced() {
        ops.failPromote = "pg2";
        orchestrator();
        holder.publish(pg1Lost(), "pg1 down");
        worker.runReady();
        assertEquals(Phase.STEADY, phase());
        assertEquals(Set.of("pg1"), holder.failoverState().fenced());
        assertEquals(List.of("promote pg2"), ops.calls);
        assertNull(holder.failover());
    }

    @Test
    void withoutACandidateWritesAreRefusedUntilAReplicaIsBack() {
        orchestrator();
        holder.publish(Topologies.of("c", 1).add("pg1", Role.DOWN, 0).add("pg2", Role.DOWN, 0)
                .add("pg3", Role.DOWN, 0).build(), "all down");
        assertEquals(Phase.NO_CANDIDATE, phase());
        assertNull(holder.failover(), "nothing to wait for: writers are refused");
        holder.publish(Topologies.of("c", 1).add("pg1", Role.DOWN, 0).add("pg2", Role.DOWN, 0)
                .replica("pg3", 0).build(), "pg3 back");
        assertEquals(Phase.PROMOTING, phase());
        assertEquals("pg3", holder.failoverState().to());
    }

    @Test
    void aPrimaryThatComesBackEndsTheWait() {
        orchestrator();
        holder.publish(Topologies.of("c", 1).add("pg1", Role.DOWN, 0).add("pg2", Role.DOWN, 0)
                .add("pg3", Role.DOWN, 0).build(), "all down");
        holder.publish(Topologies.of("c", 1).primary("pg1").add("pg2", Role.DOWN, 0)
                .add("pg3", Role.DOWN, 0).build(), "pg1 back");
        assertEquals(Phase.STEADY, phase());
    }

    @Test
    void withoutAutomaticFailoverTheLossIsOnlyShownWhileTheListenersRun() {
        FailoverConfig manual = new FailoverConfig(false, Duration.ofMillis(500), 3, Duration.ofSeconds(1),
                Duration.ofSeconds(10));
        ClusterConfig cluster = new ClusterConfig("c", Engine.POSTGRES, CLUSTER.instances(),
                CLUSTER.adminCredentials(), List.of(), manual);
        new FailoverOrchestrator(cluster, holder, () -> probes++, ops, null, null, clock, worker, rejoins);
        holder.publish(pg1Lost(), "pg1 down");
        assertEquals(Phase.STEADY, phase());
        worker.runReady();
        assertEquals(List.of(), ops.calls);
    }

    @Test
    void anOrchestratorGivenAPromotingStateDoesNotPromoteAnInstanceThatAlreadyIsPrimary() {
        holder = new TopologyHolder(pg1Lost(), clock);
        FailoverState promoting = new FailoverState(Phase.PROMOTING, "pg1", "pg2", 1, clock.instant(), null,
                List.of("pg3"), Set.of("pg1"));
        assertTrue(holder.moveFailoverState(holder.failoverState(), promoting));
        ops.primaries.add("pg2");
        orchestrator();
        worker.runReady();
        assertEquals(List.of(), ops.calls, "pg2 already accepts writes");
        assertEquals(Phase.AWAITING_PUBLICATION, phase());
        holder.publish(pg2Published(), "pg2 primary");
        worker.runReady();
        assertEquals(List.of("fence pg1", "repoint pg3 to pg2"), ops.calls);
        assertEquals(Phase.STEADY, phase());
    }

    @Test
    void anOrchestratorGivenAPromotingStatePromotesTheCandidate() {
        holder = new TopologyHolder(pg1Lost(), clock);
        FailoverState promoting = new FailoverState(Phase.PROMOTING, "pg1", "pg2", 1, clock.instant(), null,
                List.of("pg3"), Set.of("pg1"));
        holder.moveFailoverState(holder.failoverState(), promoting);
        orchestrator();
        worker.runReady();
        assertEquals(List.of("promote pg2"), ops.calls);
        assertEquals(Phase.AWAITING_PUBLICATION, phase());
    }

    @Test
    void anOrchestratorGivenAnAwaitingOrRepointingStateCarriesOn() {
        holder = new TopologyHolder(pg2Published(), clock);
        FailoverState awaiting = new FailoverState(Phase.AWAITING_PUBLICATION, "pg1", "pg2", 1, clock.instant(),
                null, List.of("pg3"), Set.of("pg1"));
        holder.moveFailoverState(holder.failoverState(), awaiting);
        orchestrator();
        worker.runReady();
        assertEquals(List.of("repoint pg3 to pg2"), ops.calls, "already published: straight on to repointing");
        assertEquals(Phase.STEADY, phase());

        FailoverState repointing = awaiting.in(Phase.REPOINTING);
        holder.moveFailoverState(holder.failoverState(), repointing);
        orchestrator();
        worker.runReady();
        assertEquals(List.of("repoint pg3 to pg2", "repoint pg3 to pg2"), ops.calls, "repointing again is harmless");
        assertEquals(Phase.STEADY, phase());
    }

    @Test
    void aMoveTheTableDoesNotHaveThrows() {
        Transitions moves = new Transitions("c", holder);
        FailoverState steady = holder.failoverState();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> moves.move(steady, FailoverTable.Event.PROMOTED, steady.in(Phase.AWAITING_PUBLICATION)));
        assertTrue(e.getMessage().contains("illegal failover transition STEADY --PROMOTED--> AWAITING_PUBLICATION"),
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> moves.move(steady, FailoverTable.Event.PRIMARY_LOST,
                steady.in(Phase.PROMOTING)), "a row to another state");
        assertEquals(steady, holder.failoverState(), "nothing moved");
    }

    @Test
    void aSwitchoverHandsThePrimaryRoleOverAndEndsSteady() throws Exception {
        ops.publishOnPromote = pg2Published();
        CompletableFuture<SwitchoverResult> done = orchestrator().switchover("pg2");
        assertEquals(Phase.HOLDING, phase());
        assertEquals("switchover from pg1 to pg2", holder.switchover());
        worker.runReady();
        SwitchoverResult result = done.get();
        assertEquals(SwitchoverResult.Outcome.COMPLETED, result.outcome(), result.message());
        assertEquals(List.of("read-only pg1", "catch-up pg2", "promote pg2", "repoint pg3 to pg2", "fence pg1"),
                ops.calls);
        assertEquals(Phase.STEADY, phase());
        assertEquals(Set.of("pg1"), holder.failoverState().fenced());
    }

    @Test
    void aSwitchoverGoesOnAsSoonAsTheMonitorPublishesTheCandidate() throws Exception {
        // The monitor publishes from its own thread once the switchover waits for it.
        onProbeNow = () -> {
            Thread waiting = Thread.currentThread();
            Thread monitor = new Thread(() -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (waiting.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                holder.publish(pg2Published(), "pg2 promoted");
            }, "test-monitor");
            monitor.setDaemon(true);
            monitor.start();
        };
        CompletableFuture<SwitchoverResult> done = orchestrator().switchover("pg2");
        assertTimeoutPreemptively(Duration.ofSeconds(5), worker::runReady,
                "the wait ends with the publication, not with the failover timeout");
        SwitchoverResult result = done.get();
        assertEquals(SwitchoverResult.Outcome.COMPLETED, result.outcome(), result.message());
        assertEquals("pg2 published as primary (epoch 2), pg1 fenced", step(result, "publish").detail());
        assertEquals(Phase.STEADY, phase());
    }

    @Test
    void aCandidateNotPublishedByTheDeadlineOnTheClockLeavesTheSwitchoverGoingOn() throws Exception {
        // The monitor's round does not come; the failover timeout passes on the clock meanwhile.
        onProbeNow = () -> clock.advance(FAILOVER.failoverTimeout());
        CompletableFuture<SwitchoverResult> done = orchestrator().switchover("pg2");
        assertTimeoutPreemptively(Duration.ofSeconds(5), worker::runReady, "the deadline is on the clock");
        SwitchoverResult result = done.get();
        assertEquals(SwitchoverResult.Outcome.COMPLETED, result.outcome(), result.message());
        assertEquals("pg2 not yet published after 10000 ms; held sessions follow when it is",
                step(result, "publish").detail());
        assertTrue(!holder.writerGate().held(), "held sessions were released");
        assertEquals(Phase.STEADY, phase());
    }

    private static SwitchoverResult.Step step(SwitchoverResult result, String name) {
        return result.steps().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no step " + name + " in " + result.steps()));
    }

    @Test
    void aSwitchoverThatFailsBeforeThePromotionRollsBack() throws Exception {
        ops.failCatchUp = "pg2";
        CompletableFuture<SwitchoverResult> done = orchestrator().switchover("pg2");
        worker.runReady();
        SwitchoverResult result = done.get();
        assertEquals(SwitchoverResult.Outcome.ROLLED_BACK, result.outcome());
        assertEquals(List.of("read-only pg1", "catch-up pg2", "writable pg1"), ops.calls);
        assertEquals(Phase.STEADY, phase());
        assertEquals(Set.of(), holder.failoverState().fenced());
        assertTrue(!holder.writerGate().held());
    }

    @Test
    void aSwitchoverIsRefusedWhileAFailoverRuns() throws Exception {
        FailoverOrchestrator orchestrator = orchestrator();
        holder.publish(Topologies.of("c", 1).add("pg1", Role.DOWN, 0).add("pg2", Role.DOWN, 0)
                .add("pg3", Role.DOWN, 0).build(), "all down");
        holder.publish(Topologies.of("c", 1).primary("pg1").replica("pg2", 0).replica("pg3", 0).build(), "back");
        FailoverState state = holder.failoverState();
        FailoverState held = new FailoverState(Phase.HELD, "pg1", null, 1, clock.instant(), "waiting", null, null);
        holder.moveFailoverState(state, held);
        SwitchoverResult result = orchestrator.switchover("pg2").get();
        assertEquals(SwitchoverResult.Outcome.CONFLICT, result.outcome());
        assertEquals(held, holder.failoverState());
    }

    @Test
    void aSwitchoverInterruptedBeforeThePromotionIsRolledBackWhenResumed() {
        FailoverState demoting = new FailoverState(Phase.CATCHING_UP, "pg1", "pg2", 1, clock.instant(), null,
                List.of("pg3"), Set.of());
        holder.moveFailoverState(holder.failoverState(), demoting);
        orchestrator();
        worker.runReady();
        assertEquals(List.of("writable pg1"), ops.calls);
        assertEquals(Phase.STEADY, phase());
    }
}
