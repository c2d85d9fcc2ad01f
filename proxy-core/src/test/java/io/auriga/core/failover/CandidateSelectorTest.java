package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    private static final Instant LOST = Instant.parse("2026-01-01T00:00:10Z");
    private static final Instant AFTER = LOST.plusMillis(300);

    /** A member as a probe after the loss saw it: replayed {@code position}, received {@code received}. */
    private static InstanceState member(String name, Role role, int tier, long position, long received, Instant at) {
        return new InstanceState(new InstanceConfig(name, "127.0.0.1", 5432, tier, false), role, position, 0, at,
                role == Role.DOWN ? "refused" : null, received);
    }

    private static InstanceState lostPrimary() {
        return new InstanceState(new InstanceConfig("pg1", "127.0.0.1", 5432, 0, false), Role.DOWN, 1000, -1,
                Instant.EPOCH, "refused", 1000);
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

    @Test
    void quorumPromotesTheMostAdvancedReceivedPositionWhateverTheTier() {
        Topology t = topology(lostPrimary(),
                member("pg2", Role.REPLICA, 0, 900, 900, AFTER),
                member("pg3", Role.REPLICA, 1, 700, 1000, AFTER));
        assertEquals("pg2", CandidateSelector.choose(t).orElseThrow().name(), "async: tier first");
        CandidateSelector.QuorumChoice choice = CandidateSelector.chooseQuorum(t, "pg1", LOST);
        assertEquals("pg3", choice.candidate().name(),
                "quorum: only pg3 surely holds every acknowledged commit (received, not yet replayed)");
    }

    @Test
    void quorumTiersBreakTiesAtTheHighestPosition() {
        Topology t = topology(lostPrimary(),
                member("pg2", Role.REPLICA, 2, 1000, 1000, AFTER),
                member("pg3", Role.REPLICA, 1, 1000, 1000, AFTER),
                member("pg4", Role.REPLICA, 0, 900, 900, AFTER));
        assertEquals("pg3", CandidateSelector.chooseQuorum(t, "pg1", LOST).candidate().name());
    }

    @Test
    void quorumHoldsWhileAMemberCannotReportItsPosition() {
        Topology t = topology(lostPrimary(),
                member("pg2", Role.REPLICA, 0, 900, 900, AFTER),
                member("pg3", Role.DOWN, 0, 700, 700, Instant.EPOCH));
        CandidateSelector.QuorumChoice choice = CandidateSelector.chooseQuorum(t, "pg1", LOST);
        assertNull(choice.candidate(), "pg3 may hold the only copy of the last acknowledged commit");
        assertEquals(List.of("pg3"), choice.waitingOn());
        assertTrue(choice.hold().contains("pg3"), choice.hold());
        assertTrue(choice.blocked(), "only pg3's return (or a person) ends this wait");
    }

    @Test
    void quorumHoldsUntilPositionsAreReadAfterTheLoss() {
        Topology t = topology(lostPrimary(),
                member("pg2", Role.REPLICA, 0, 900, 900, LOST),
                member("pg3", Role.REPLICA, 0, 700, 950, AFTER));
        CandidateSelector.QuorumChoice choice = CandidateSelector.chooseQuorum(t, "pg1", LOST);
        assertNull(choice.candidate(), "pg2 may have received more after its probe, before the primary died");
        assertEquals(List.of("pg2"), choice.waitingOn());
        assertTrue(!choice.blocked(), "the next probe round answers");
    }

    @Test
    void quorumIgnoresFencedAndNoFailoverInstancesWhichAcknowledgeNothing() {
        InstanceState noFailover = new InstanceState(new InstanceConfig("pg4", "127.0.0.1", 5432, 0, true),
                Role.DOWN, 2000, -1, Instant.EPOCH, "refused", 2000);
        Topology t = topology(lostPrimary(),
                member("pg2", Role.REPLICA, 0, 900, 900, AFTER),
                member("pg3", Role.FENCED, 0, 2000, 2000, Instant.EPOCH),
                noFailover);
        assertEquals("pg2", CandidateSelector.chooseQuorum(t, "pg1", LOST).candidate().name());
    }
}
