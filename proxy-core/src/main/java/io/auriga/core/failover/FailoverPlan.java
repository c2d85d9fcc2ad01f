package io.auriga.core.failover;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What to do when a snapshot shows the primary lost: promote {@code candidate} and repoint
 * {@code followers} to it. Decided by a pure function of the snapshot and the last primary seen.
 */
public record FailoverPlan(String lost, InstanceState candidate, List<InstanceState> followers) {

    /**
     * A plan when the last known primary is down, no instance is primary, and a replica can take
     * over; empty otherwise. Never plans while two instances claim to be primary: that needs a
     * person, not a third primary.
     */
    public static Optional<FailoverPlan> decide(Topology topology, String lastPrimary) {
        if (!needed(topology, lastPrimary)) {
            return Optional.empty();
        }
        return CandidateSelector.choose(topology).map(candidate -> plan(topology, lastPrimary, candidate));
    }

    /**
     * Under quorum durability: a plan to promote the replica holding every acknowledged commit
     * ({@link CandidateSelector#chooseQuorum}), or, when a failover is needed but no replica is
     * known to be safe yet, why it is held.
     *
     * @param plan the plan, empty when none is needed or it is held
     * @param hold    why a needed failover is held, null otherwise
     * @param blocked the hold lasts until an unreachable replica reports (or a person acts)
     */
    public record QuorumDecision(Optional<FailoverPlan> plan, String hold, boolean blocked) {
    }

    /** @param lostSince when the snapshots first showed {@code lastPrimary} lost */
    public static QuorumDecision decideQuorum(Topology topology, String lastPrimary, Instant lostSince) {
        if (!needed(topology, lastPrimary)) {
            return new QuorumDecision(Optional.empty(), null, false);
        }
        CandidateSelector.QuorumChoice choice = CandidateSelector.chooseQuorum(topology, lastPrimary, lostSince);
        if (choice.candidate() == null) {
            return new QuorumDecision(Optional.empty(), choice.hold(), choice.blocked());
        }
        return new QuorumDecision(Optional.of(plan(topology, lastPrimary, choice.candidate())), null, false);
    }

    /** True when the last known primary is down and no instance is primary. */
    public static boolean needed(Topology topology, String lastPrimary) {
        if (lastPrimary == null) {
            return false;
        }
        long primaries = topology.instances().stream().filter(i -> i.role() == Role.PRIMARY).count();
        if (primaries > 0) {
            return false;
        }
        return topology.instance(lastPrimary).map(i -> i.role() == Role.DOWN).orElse(false);
    }

    private static FailoverPlan plan(Topology topology, String lost, InstanceState candidate) {
        return new FailoverPlan(lost, candidate,
                topology.replicas().stream().filter(r -> !r.name().equals(candidate.name())).toList());
    }
}
