package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.Engine;
import io.auriga.config.InstanceConfig;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CandidateSelectorTest {

    private static InstanceState state(String name, Role role, int tier, boolean noFailover, long position, long lag,
                                       String error) {
        return new InstanceState(new InstanceConfig(name, "127.0.0.1", 5432, tier, noFailover), role, position, lag,
                Instant.EPOCH, error);
    }

    private static Topology topology(InstanceState... instances) {
        return new Topology("c", Engine.POSTGRES, 3, List.of(instances), Instant.EPOCH);
    }

    @Test
    void lowestTierWinsOverPosition() {
        Topology t = topology(state("pg1", Role.DOWN, 0, false, 100, 0, "refused"),
                state("pg2", Role.REPLICA, 1, false, 900, 0, null),
                state("pg3", Role.REPLICA, 0, false, 500, 0, null));
        assertEquals("pg3", CandidateSelector.choose(t).orElseThrow().name());
    }

    @Test
    void mostAdvancedPositionThenLeastLagWithinATier() {
        Topology t = topology(state("pg2", Role.REPLICA, 0, false, 500, 10, null),
                state("pg3", Role.REPLICA, 0, false, 700, 50, null),
                state("pg4", Role.REPLICA, 0, false, 700, 20, null));
        assertEquals("pg4", CandidateSelector.choose(t).orElseThrow().name());
    }

    @Test
    void unhealthyFencedAndNoFailoverReplicasAreNeverChosen() {
        Topology t = topology(state("pg1", Role.DOWN, 0, false, 100, 0, "refused"),
                state("pg2", Role.REPLICA, 0, true, 900, 0, null),
                state("pg3", Role.REPLICA, 0, false, 900, 0, "probe timed out"),
                state("pg4", Role.FENCED, 0, false, 900, 0, null));
        assertTrue(CandidateSelector.choose(t).isEmpty());
    }
}
