package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topologies;
import io.auriga.core.topology.Topology;
import org.junit.jupiter.api.Test;

class FailoverPlanTest {

    @Test
    void aLostPrimaryIsReplacedByTheBestReplicaAndTheRestFollowIt() {
        Topology t = Topologies.of("c", 1).add("pg1", Role.DOWN, 0).replica("pg2", 0).replica("pg3", 0).build();
        FailoverPlan plan = FailoverPlan.decide(t, "pg1").orElseThrow();
        assertEquals("pg1", plan.lost());
        assertEquals("pg2", plan.candidate().name());
        assertEquals(java.util.List.of("pg3"), plan.followers().stream().map(InstanceState::name).toList());
    }

    @Test
    void noPlanWhileThePrimaryIsMerelySlowOrAnotherIsPrimary() {
        Topology slow = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
        assertTrue(FailoverPlan.decide(slow, "pg1").isEmpty());
        Topology promoted = Topologies.of("c", 2).add("pg1", Role.DOWN, 0).primary("pg2").build();
        assertTrue(FailoverPlan.decide(promoted, "pg1").isEmpty());
        Topology splitBrain = Topologies.of("c", 2).add("pg1", Role.DOWN, 0).primary("pg2").primary("pg3").build();
        assertTrue(FailoverPlan.decide(splitBrain, "pg1").isEmpty());
    }

    @Test
    void noPlanWithoutAKnownPrimaryOrAHealthyReplica() {
        Topology t = Topologies.of("c", 0).add("pg1", Role.DOWN, 0).replica("pg2", 0).build();
        assertTrue(FailoverPlan.decide(t, null).isEmpty(), "never had a primary: nothing to fail over from");
        Topology noReplica = Topologies.of("c", 1).add("pg1", Role.DOWN, 0).add("pg2", Role.DOWN, 0).build();
        assertTrue(FailoverPlan.decide(noReplica, "pg1").isEmpty());
    }

    @Test
    void quorumDecisionHoldsWithAReasonAndPlansOnceSafe() {
        java.time.Instant lost = java.time.Instant.parse("2026-01-01T00:00:10Z");
        Topology stale = Topologies.of("c", 1).add("pg1", Role.DOWN, 0).replica("pg2", 0).build();
        FailoverPlan.QuorumDecision held = FailoverPlan.decideQuorum(stale, "pg1", lost);
        assertTrue(held.plan().isEmpty(), "positions observed before the loss are not trusted");
        assertTrue(held.hold().contains("pg2"), held.hold());

        Topology healthy = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
        FailoverPlan.QuorumDecision none = FailoverPlan.decideQuorum(healthy, "pg1", lost);
        assertTrue(none.plan().isEmpty());
        assertEquals(null, none.hold(), "nothing is held while the primary stands");
    }
}
