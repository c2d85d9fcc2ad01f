package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Durability;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.testing.ManualClock;
import io.auriga.core.testing.ManualScheduler;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

class QuorumKeeperTest {
    private static final ClusterConfig CLUSTER = new ClusterConfig("c", Engine.POSTGRES, List.of(
            new InstanceConfig("pg1", "h", 5432, 0, false),
            new InstanceConfig("pg2", "h", 5433, 0, false),
            new InstanceConfig("pg3", "h", 5434, 1, false),
            new InstanceConfig("pg4", "h", 5435, 0, true)),
            new Credentials("admin", null), List.of(), FailoverConfig.defaults(), Durability.QUORUM);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-27T00:00:00Z"));
    private final ManualScheduler worker = new ManualScheduler(clock);

    /** Nothing more asked of the servers once the worker has run what it was given. */
    private void assertNothingMore(Recording ops, String why) {
        worker.runReady();
        assertTrue(ops.calls.isEmpty(), why + ": " + ops.calls);
    }

    /** Records every setting asked for, as "instance [standbys]". */
    private final class Recording implements ClusterOperations {
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();

        @Override
        public void promote(InstanceConfig candidate, Duration timeout) {
        }

        @Override
        public void repoint(InstanceConfig replica, InstanceConfig newPrimary, Duration timeout) {
        }

        @Override
        public void fence(InstanceConfig former, Duration timeout) {
        }

        @Override
        public void requireSynchronousStandbys(InstanceConfig instance, List<String> standbys, Duration timeout) {
            calls.add(instance.name() + " " + standbys);
        }

        /** What the next checks report as drifted; null: in force. */
        volatile String drift;

        @Override
        public java.util.Optional<String> synchronousStandbysDrift(InstanceConfig instance, List<String> standbys,
                                                                   Duration timeout) {
            calls.add("check " + instance.name() + " " + standbys);
            return java.util.Optional.ofNullable(drift);
        }

        /** The next call, once the keeper's worker has run what it was given. */
        String next() {
            worker.runReady();
            String call = calls.poll();
            return call == null ? "nothing" : call;
        }
    }

    private static Topology topology(long epoch, String primary, Role... others) {
        List<InstanceState> instances = new java.util.ArrayList<>();
        int o = 0;
        for (InstanceConfig i : CLUSTER.instances()) {
            Role role = i.name().equals(primary) ? Role.PRIMARY : others[o++];
            instances.add(new InstanceState(i, role, 100, 0, Instant.EPOCH, role == Role.DOWN ? "refused" : null));
        }
        return new Topology("c", Engine.POSTGRES, epoch, instances, Instant.EPOCH);
    }

    @Test
    void theSetOfAPrimaryIsEveryOtherInstanceThatMayBePromoted() {
        assertEquals(List.of("pg2", "pg3"), QuorumKeeper.standbys(CLUSTER, "pg1"));
        assertEquals(List.of("pg1", "pg3"), QuorumKeeper.standbys(CLUSTER, "pg2"));
    }

    @Test
    void requiresTheSetAtStartAfterANewPrimaryAndWhenAReplicaComesBack() throws Exception {
        Recording ops = new Recording();
        TopologyHolder holder = new TopologyHolder(topology(1, "pg1", Role.REPLICA, Role.DOWN, Role.REPLICA));
        try (QuorumKeeper keeper = new QuorumKeeper(CLUSTER, holder, ops, clock, worker)) {
            assertEquals("pg1 [pg2, pg3]", ops.next(), "at start, a down member stays named: commits wait for pg2");
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.DOWN, Role.REPLICA), "probe");
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "pg3 down -> replica");
            assertEquals("pg1 [pg2, pg3]", ops.next(), "a replica back: the setting is checked again");
            holder.publish(topology(2, "pg2", Role.FENCED, Role.REPLICA, Role.REPLICA), "failover");
            assertEquals("pg2 [pg1, pg3]", ops.next(), "the new primary's set, the fenced former primary named "
                    + "so that it acknowledges once it rejoins");
            holder.publish(topology(2, "pg2", Role.FENCED, Role.REPLICA, Role.REPLICA), "probe");
            assertNothingMore(ops, "an unchanged snapshot changes nothing");
        }
    }

    @Test
    void whatWasAppliedIsCheckedEveryTenSecondsAndAppliedAgainWhenItDrifted() throws Exception {
        Recording ops = new Recording();
        TopologyHolder holder = new TopologyHolder(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA));
        try (QuorumKeeper keeper = new QuorumKeeper(CLUSTER, holder, ops, clock, worker)) {
            assertEquals("pg1 [pg2, pg3]", ops.next());
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            assertNothingMore(ops, "not checked within ten seconds");

            clock.advance(QuorumKeeper.CHECK_EVERY);
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            assertEquals("check pg1 [pg2, pg3]", ops.next(), "checked after ten seconds");
            assertNothingMore(ops, "in force: nothing applied");

            ops.drift = "pg2 replicates without acknowledging";
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            assertNothingMore(ops, "the next check is ten seconds after the last");
            clock.advance(QuorumKeeper.CHECK_EVERY);
            io.auriga.core.topology.FailoverState steady = holder.failoverState();
            io.auriga.core.topology.FailoverState switching = new io.auriga.core.topology.FailoverState(
                    io.auriga.core.topology.FailoverState.Phase.HOLDING, "pg1", "pg2", 1, steady.since(), null, null,
                    null);
            holder.moveFailoverState(steady, switching);
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            assertNothingMore(ops, "no check while a switchover changes the settings");
            holder.moveFailoverState(switching, steady);
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            assertEquals("check pg1 [pg2, pg3]", ops.next());
            assertEquals("pg1 [pg2, pg3]", ops.next(), "drifted: applied again");
        }
    }

    @Test
    void aCandidateGetsItsSetBeforeItIsPromoted() throws Exception {
        Recording ops = new Recording();
        TopologyHolder holder = new TopologyHolder(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA));
        try (QuorumKeeper keeper = new QuorumKeeper(CLUSTER, holder, ops, clock, worker)) {
            assertEquals("pg1 [pg2, pg3]", ops.next());
            Topology lost = topology(1, "none", Role.DOWN, Role.REPLICA, Role.REPLICA, Role.REPLICA);
            FailoverPlan plan = new FailoverPlan("pg1", lost.instance("pg3").orElseThrow(), List.of());
            keeper.prepare(plan, Duration.ofSeconds(1));
            assertEquals("pg3 [pg1, pg2]", ops.next());
            holder.publish(topology(2, "pg3", Role.FENCED, Role.REPLICA, Role.REPLICA), "failover");
            assertNothingMore(ops, "already in force on the new primary");
        }
    }
}
