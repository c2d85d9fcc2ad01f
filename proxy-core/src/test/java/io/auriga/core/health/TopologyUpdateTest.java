package io.auriga.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topologies;
import io.auriga.core.topology.Topology;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologyUpdateTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:10Z");

    @Test
    void successfulProbesSetRolesAndLag() {
        Topology before = Topologies.of("c", 0).add("pg1", Role.DOWN, -1).add("pg2", Role.DOWN, -1)
                .add("pg3", Role.DOWN, -1).build();
        Topology after = TopologyUpdate.next(before, Map.of(
                "pg1", ProbeResult.primary(1000),
                "pg2", ProbeResult.replica(1000, 1000, Instant.parse("2026-01-01T00:00:00Z")),
                "pg3", ProbeResult.replica(900, 950, Instant.parse("2026-01-01T00:00:08Z"))), Map.of(), 3, NOW);
        assertEquals(Role.PRIMARY, after.instance("pg1").orElseThrow().role());
        assertEquals(0, after.instance("pg2").orElseThrow().lagMillis(), "caught up means no lag");
        assertEquals(2000, after.instance("pg3").orElseThrow().lagMillis());
        assertEquals(1, after.epoch(), "a first primary opens epoch 1");
    }

    @Test
    void oneFailedProbeIsNotAFailure() {
        Topology before = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
        Topology after = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.failed("timeout", false),
                "pg2", ProbeResult.replica(100, 100, null)), Map.of("pg1", 1), 3, NOW);
        assertEquals(Role.PRIMARY, after.instance("pg1").orElseThrow().role());
        assertEquals("timeout", after.instance("pg1").orElseThrow().error());
        assertEquals(1, after.epoch());
    }

    @Test
    void thresholdFailuresOrARefusalMarkDown() {
        Topology before = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
        Topology afterThree = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.failed("timeout", false)),
                Map.of("pg1", 3), 3, NOW);
        assertEquals(Role.DOWN, afterThree.instance("pg1").orElseThrow().role());
        Topology refused = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.failed("refused", true)),
                Map.of("pg1", 1), 3, NOW);
        assertEquals(Role.DOWN, refused.instance("pg1").orElseThrow().role());
        assertTrue(refused.primary().isEmpty());
    }

    @Test
    void aNewPrimaryRaisesTheEpoch() {
        Topology before = Topologies.of("c", 4).add("pg1", Role.DOWN, 0).replica("pg2", 0).build();
        Topology after = TopologyUpdate.next(before, Map.of("pg2", ProbeResult.primary(5000)), Map.of(), 3, NOW);
        assertEquals(5, after.epoch());
        Topology same = TopologyUpdate.next(after, Map.of("pg2", ProbeResult.primary(6000)), Map.of(), 3, NOW);
        assertEquals(5, same.epoch());
        assertEquals("pg2 replica -> primary, epoch 4 -> 5",
                TopologyUpdate.describeRoleChanges(before, after).orElseThrow());
    }

    @Test
    void aFencedFormerPrimaryStaysFencedUntilItReplaysAsAReplica() {
        Topology before = Topologies.of("c", 1).add("pg1", Role.DOWN, 0).primary("pg2").build();
        Topology fenced = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.failed("refused", true)),
                Map.of("pg1", 5), 3, NOW, java.util.Set.of("pg1"));
        assertEquals(Role.FENCED, fenced.instance("pg1").orElseThrow().role());
        Topology back = TopologyUpdate.next(fenced, Map.of("pg1", ProbeResult.primary(100),
                "pg2", ProbeResult.primary(200)), Map.of(), 3, NOW);
        assertEquals(Role.FENCED, back.instance("pg1").orElseThrow().role(), "a returning primary is not routed to");
        assertEquals("pg2", back.primary().orElseThrow().name(), "and is no split brain");
        Topology rejoined = TopologyUpdate.next(back, Map.of("pg1", ProbeResult.replica(200, 200, null)),
                Map.of(), 3, NOW);
        assertEquals(Role.REPLICA, rejoined.instance("pg1").orElseThrow().role());
    }
}
