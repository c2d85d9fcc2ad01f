package io.auriga.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topologies;
import io.auriga.core.topology.Topology;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
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
    void aQuietPrimarysFirstWriteDoesNotMakeItsReplicasLookAsOldAsTheirLastTransaction() {
        Topology before = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
        Instant hourAgo = NOW.minusSeconds(3600);
        PrimaryProgress progress = new PrimaryProgress(16);
        Topology quiet = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.primary(1000),
                        "pg2", ProbeResult.replica(1000, 1000, hourAgo)), Map.of(), 3, NOW, Set.of(), Set.of(),
                progress);
        assertEquals(0, quiet.instance("pg2").orElseThrow().lagMillis());
        // One write (or a checkpoint record); the replica is probed a moment before it replays it.
        Instant later = NOW.plusMillis(500);
        Topology written = TopologyUpdate.next(quiet, Map.of("pg1", ProbeResult.primary(1100),
                        "pg2", ProbeResult.replica(1000, 1000, hourAgo)), Map.of(), 3, later, Set.of(), Set.of(),
                progress);
        assertEquals(0, written.instance("pg2").orElseThrow().lagMillis(), "behind since this round only");
        // Replay stalls: the lag grows from the round that first saw the primary beyond it.
        Topology stalled = TopologyUpdate.next(written, Map.of("pg1", ProbeResult.primary(1100),
                        "pg2", ProbeResult.replica(1000, 1100, hourAgo)), Map.of(), 3, later.plusSeconds(4), Set.of(),
                Set.of(), progress);
        assertEquals(4000, stalled.instance("pg2").orElseThrow().lagMillis());
        // Without the earlier rounds, only the age of the last replayed transaction is known.
        Topology alone = TopologyUpdate.next(quiet, Map.of("pg1", ProbeResult.primary(1100),
                "pg2", ProbeResult.replica(1000, 1000, hourAgo)), Map.of(), 3, later);
        assertEquals(3_600_500, alone.instance("pg2").orElseThrow().lagMillis());
    }

    @Test
    void replicasOfALostQuietPrimaryKeepTheLagTheyHadWhenItWasLastSeen() {
        Topology before = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
        Instant hourAgo = NOW.minusSeconds(3600);
        PrimaryProgress progress = new PrimaryProgress(16);
        Topology seen = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.primary(1000),
                        "pg2", ProbeResult.replica(1000, 1000, hourAgo)), Map.of(), 3, NOW, Set.of(), Set.of(),
                progress);
        // The primary stops answering: a replica holding all it was last seen with is not behind, and
        // stays in the reader endpoint while the failover runs.
        Topology lost = TopologyUpdate.next(seen, Map.of("pg1", ProbeResult.failed("refused", true),
                        "pg2", ProbeResult.replica(1000, 1000, hourAgo)), Map.of("pg1", 1), 3, NOW.plusSeconds(1),
                Set.of(), Set.of(), progress);
        assertTrue(lost.primary().isEmpty());
        assertEquals(0, lost.instance("pg2").orElseThrow().lagMillis());
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

    @Test
    void aSecondPrimaryBesideTheStandingOneIsFencedAndTheEpochKept() {
        Topology before = Topologies.of("c", 3).primary("pg1").replica("pg2", 0).replica("pg3", 0).build();
        Map<String, ProbeResult> results = Map.of("pg1", ProbeResult.primary(500), "pg2", ProbeResult.primary(450),
                "pg3", ProbeResult.replica(500, 500, null));
        Topology after = TopologyUpdate.next(before, results, Map.of(), 3, NOW);
        assertEquals("pg1", after.primary().orElseThrow().name(), "the primary of the epoch keeps the writes");
        assertEquals(Role.FENCED, after.instance("pg2").orElseThrow().role(), "the hand-promoted one is fenced");
        assertEquals(3, after.epoch());
        assertEquals(java.util.List.of("pg2"), TopologyUpdate.secondPrimaries(before, after, java.util.Set.of()));
        Topology still = TopologyUpdate.next(after, results, Map.of(), 3, NOW);
        assertEquals(Role.FENCED, still.instance("pg2").orElseThrow().role(), "and stays fenced while primary");
        assertEquals("pg1", still.primary().orElseThrow().name());
    }

    @Test
    void aSecondPrimaryIsFencedWhileTheStandingOneIsMerelySlow() {
        Topology before = Topologies.of("c", 3).primary("pg1").replica("pg2", 0).build();
        Topology after = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.failed("timeout", false),
                "pg2", ProbeResult.primary(450)), Map.of("pg1", 1), 3, NOW);
        assertEquals(Role.FENCED, after.instance("pg2").orElseThrow().role(),
                "never seen as primary in this epoch: no writes for it");
        assertEquals("pg1", after.primary().orElseThrow().name());
    }

    @Test
    void withoutAStandingPrimaryOneNewPrimaryOpensAnEpochAndTwoGetNoWrites() {
        Topology lost = Topologies.of("c", 3).add("pg1", Role.DOWN, 0).replica("pg2", 0).replica("pg3", 0).build();
        Topology one = TopologyUpdate.next(lost, Map.of("pg2", ProbeResult.primary(450)), Map.of(), 3, NOW);
        assertEquals("pg2", one.primary().orElseThrow().name(), "a failover's new primary is published");
        assertEquals(4, one.epoch());
        Topology two = TopologyUpdate.next(lost, Map.of("pg2", ProbeResult.primary(450),
                "pg3", ProbeResult.primary(460)), Map.of(), 3, NOW);
        assertTrue(two.primary().isEmpty(), "two primaries and no standing one: writes stop");
        assertEquals(3, two.epoch());
        assertEquals(java.util.List.of(), TopologyUpdate.secondPrimaries(lost, two, java.util.Set.of()));
    }

    @Test
    void aReplicaKeepsItsReceivedPosition() {
        Topology before = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
        Topology after = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.primary(1000),
                "pg2", ProbeResult.replica(800, 950, null)), Map.of(), 3, NOW);
        assertEquals(800, after.instance("pg2").orElseThrow().position());
        assertEquals(950, after.instance("pg2").orElseThrow().received());
        Topology failed = TopologyUpdate.next(after, Map.of("pg2", ProbeResult.failed("refused", true)),
                Map.of("pg2", 1), 3, NOW);
        assertEquals(950, failed.instance("pg2").orElseThrow().received(), "the last known position stands");
    }

    @Test
    void aReplicasReplicationErrorIsKeptUntilItReplicatesAgainAndForgottenWhenItIsDown() {
        Topology before = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
        Topology stopped = TopologyUpdate.next(before, Map.of("pg1", ProbeResult.primary(1000),
                "pg2", ProbeResult.replica(800, 800, null).withReplicationError("applying stopped: 1062")),
                Map.of(), 3, NOW);
        assertEquals("applying stopped: 1062", stopped.instance("pg2").orElseThrow().replicationError());
        assertEquals(Role.REPLICA, stopped.instance("pg2").orElseThrow().role());
        Topology slowProbe = TopologyUpdate.next(stopped, Map.of("pg2", ProbeResult.failed("timeout", false)),
                Map.of("pg2", 1), 3, NOW);
        assertEquals("applying stopped: 1062", slowProbe.instance("pg2").orElseThrow().replicationError(),
                "one failed probe changes nothing");
        Topology down = TopologyUpdate.next(stopped, Map.of("pg2", ProbeResult.failed("refused", true)),
                Map.of("pg2", 1), 3, NOW);
        assertEquals(null, down.instance("pg2").orElseThrow().replicationError());
        Topology again = TopologyUpdate.next(stopped, Map.of("pg1", ProbeResult.primary(1000),
                "pg2", ProbeResult.replica(1000, 1000, null)), Map.of(), 3, NOW);
        assertEquals(null, again.instance("pg2").orElseThrow().replicationError());
    }
}
