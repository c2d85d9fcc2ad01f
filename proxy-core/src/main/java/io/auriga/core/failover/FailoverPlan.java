package io.auriga.core.failover;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
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
        if (lastPrimary == null) {
            return Optional.empty();
        }
        long primaries = topology.instances().stream().filter(i -> i.role() == Role.PRIMARY).count();
        if (primaries > 0) {
            return Optional.empty();
        }
        boolean lost = topology.instance(lastPrimary).map(i -> i.role() == Role.DOWN).orElse(false);
        if (!lost) {
            return Optional.empty();
        }
        return CandidateSelector.choose(topology).map(candidate -> new FailoverPlan(lastPrimary, candidate,
                topology.replicas().stream().filter(r -> !r.name().equals(candidate.name())).toList()));
    }
}
