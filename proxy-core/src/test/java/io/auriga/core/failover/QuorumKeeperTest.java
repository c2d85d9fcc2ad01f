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
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QuorumKeeperTest {
    private static final ClusterConfig CLUSTER = new ClusterConfig("c", Engine.POSTGRES, List.of(
            new InstanceConfig("pg1", "h", 5432, 0, false),
            new InstanceConfig("pg2", "h", 5433, 0, false),
            new InstanceConfig("pg3", "h", 5434, 1, false),
            new InstanceConfig("pg4", "h", 5435, 0, true)),
            new Credentials("admin", null), List.of(), FailoverConfig.defaults(), Durability.QUORUM);

    /** Records every setting asked for, as "instance [standbys]". */
    private static final class Recording implements ClusterOperations {
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

        String next() throws InterruptedException {
            String call = calls.poll(5, TimeUnit.SECONDS);
            return call == null ? "nothing within 5 s" : call;
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
        try (QuorumKeeper keeper = new QuorumKeeper(CLUSTER, holder, ops, Clock.systemUTC())) {
            assertEquals("pg1 [pg2, pg3]", ops.next(), "at start, a down member stays named: commits wait for pg2");
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.DOWN, Role.REPLICA), "probe");
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "pg3 down -> replica");
            assertEquals("pg1 [pg2, pg3]", ops.next(), "a replica back: the setting is checked again");
            holder.publish(topology(2, "pg2", Role.FENCED, Role.REPLICA, Role.REPLICA), "failover");
            assertEquals("pg2 [pg1, pg3]", ops.next(), "the new primary's set, the fenced former primary named "
                    + "so that it acknowledges once it rejoins");
            holder.publish(topology(2, "pg2", Role.FENCED, Role.REPLICA, Role.REPLICA), "probe");
            Thread.sleep(200);
            assertTrue(ops.calls.isEmpty(), "an unchanged snapshot changes nothing: " + ops.calls);
        }
    }

    @Test
    void whatWasAppliedIsCheckedEveryTenSecondsAndAppliedAgainWhenItDrifted() throws Exception {
        Recording ops = new Recording();
        TopologyHolder holder = new TopologyHolder(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA));
        Instant[] now = {Instant.parse("2026-11-27T00:00:00Z")};
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        try (QuorumKeeper keeper = new QuorumKeeper(CLUSTER, holder, ops, clock)) {
            assertEquals("pg1 [pg2, pg3]", ops.next());
            Thread.sleep(100);
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            Thread.sleep(100);
            assertTrue(ops.calls.isEmpty(), "not checked within ten seconds: " + ops.calls);

            now[0] = now[0].plus(QuorumKeeper.CHECK_EVERY);
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            assertEquals("check pg1 [pg2, pg3]", ops.next(), "checked after ten seconds");
            Thread.sleep(100);
            assertTrue(ops.calls.isEmpty(), "in force: nothing applied: " + ops.calls);

            ops.drift = "pg2 replicates without acknowledging";
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            Thread.sleep(100);
            assertTrue(ops.calls.isEmpty(), "the next check is ten seconds after the last: " + ops.calls);
            now[0] = now[0].plus(QuorumKeeper.CHECK_EVERY);
            io.auriga.core.topology.FailoverState steady = holder.failoverState();
            io.auriga.core.topology.FailoverState switching = new io.auriga.core.topology.FailoverState(
                    io.auriga.core.topology.FailoverState.Phase.HOLDING, "pg1", "pg2", 1, steady.since(), null, null,
                    null);
            holder.moveFailoverState(steady, switching);
            holder.publish(topology(1, "pg1", Role.REPLICA, Role.REPLICA, Role.REPLICA), "probe");
            Thread.sleep(100);
            assertTrue(ops.calls.isEmpty(), "no check while a switchover changes the settings: " + ops.calls);
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
        try (QuorumKeeper keeper = new QuorumKeeper(CLUSTER, holder, ops, Clock.systemUTC())) {
            assertEquals("pg1 [pg2, pg3]", ops.next());
            Topology lost = topology(1, "none", Role.DOWN, Role.REPLICA, Role.REPLICA, Role.REPLICA);
            FailoverPlan plan = new FailoverPlan("pg1", lost.instance("pg3").orElseThrow(), List.of());
            keeper.prepare(plan, Duration.ofSeconds(1));
            assertEquals("pg3 [pg1, pg2]", ops.next());
            holder.publish(topology(2, "pg3", Role.FENCED, Role.REPLICA, Role.REPLICA), "failover");
            Thread.sleep(200);
            assertTrue(ops.calls.isEmpty(), "already in force on the new primary: " + ops.calls);
        }
    }
}
