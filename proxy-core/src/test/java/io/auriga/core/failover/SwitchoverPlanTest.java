package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.InstanceConfig;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topologies;
import io.auriga.core.topology.Topology;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwitchoverPlanTest {
    private final Topology healthy = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).replica("pg3", 0).build();

    @Test
    void aNamedReplicaTakesOverAndTheOthersFollowIt() throws Exception {
        SwitchoverPlan plan = SwitchoverPlan.decide(healthy, "pg3");
        assertEquals("pg1", plan.primary().name());
        assertEquals("pg3", plan.candidate().name());
        assertEquals(List.of("pg2"), plan.followers().stream().map(InstanceState::name).toList());
    }

    @Test
    void withoutATargetTheFailoverCandidateIsChosen() throws Exception {
        assertEquals(CandidateSelector.choose(healthy).orElseThrow().name(),
                SwitchoverPlan.decide(healthy, null).candidate().name());
    }

    @Test
    void unknownInstanceIsNotFoundAndNamesTheInstances() {
        SwitchoverRefused e = assertThrows(SwitchoverRefused.class, () -> SwitchoverPlan.decide(healthy, "pg9"));
        assertEquals(SwitchoverResult.Outcome.UNKNOWN, e.outcome());
        assertTrue(e.getMessage().contains("no instance 'pg9'") && e.getMessage().contains("pg1, pg2, pg3"),
                e.getMessage());
    }

    @Test
    void thePrimaryItselfADownInstanceAndAFailingReplicaAreRefused() {
        assertConflict(healthy, "pg1", "already the primary");
        Topology down = Topologies.of("c", 1).primary("pg1").add("pg2", Role.DOWN, -1).build();
        assertConflict(down, "pg2", "not a healthy replica (it is down)");
        List<InstanceState> instances = new ArrayList<>(healthy.instances());
        InstanceState pg2 = instances.get(1);
        instances.set(1, new InstanceState(pg2.config(), Role.REPLICA, 100, 0, Instant.EPOCH, "probe timed out"));
        assertConflict(healthy.with(1, instances, Instant.EPOCH), "pg2", "probe timed out");
    }

    @Test
    void aNoFailoverReplicaIsNeverPromoted() {
        List<InstanceState> instances = new ArrayList<>(healthy.instances());
        InstanceState pg2 = instances.get(1);
        InstanceConfig guarded = new InstanceConfig("pg2", "127.0.0.1", pg2.config().port(), 0, true);
        instances.set(1, new InstanceState(guarded, Role.REPLICA, 100, 0, Instant.EPOCH, null));
        Topology t = healthy.with(1, instances, Instant.EPOCH);
        assertConflict(t, "pg2", "no-failover");
        Topology onlyGuarded = t.with(1, instances.subList(0, 2), Instant.EPOCH);
        assertConflict(onlyGuarded, null, "no healthy replica that may be promoted");
    }

    @Test
    void noPrimaryOrTwoPrimariesAreRefused() {
        Topology none = Topologies.of("c", 1).add("pg1", Role.DOWN, -1).replica("pg2", 0).build();
        assertConflict(none, "pg2", "no primary");
        Topology two = Topologies.of("c", 1).primary("pg1").primary("pg2").replica("pg3", 0).build();
        assertConflict(two, "pg3", "more than one instance claims to be primary");
    }

    private static void assertConflict(Topology t, String target, String expected) {
        SwitchoverRefused e = assertThrows(SwitchoverRefused.class, () -> SwitchoverPlan.decide(t, target));
        assertEquals(SwitchoverResult.Outcome.CONFLICT, e.outcome());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
