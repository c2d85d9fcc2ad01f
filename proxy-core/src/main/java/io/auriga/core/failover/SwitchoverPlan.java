package io.auriga.core.failover;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a planned switchover does: hand the primary role from {@code primary} to {@code candidate}
 * and repoint {@code followers} to it. Decided by a pure function of the snapshot and the
 * requested target, which refuses with a clear reason when the switchover cannot start.
 */
public record SwitchoverPlan(InstanceState primary, InstanceState candidate, List<InstanceState> followers) {

    public SwitchoverPlan {
        followers = List.copyOf(followers);
    }

    /**
     * @param target the instance to promote, or null for the one a failover would choose
     *               ({@link CandidateSelector})
     * @throws SwitchoverRefused when the target is unknown, is not a healthy replica, is marked
     *                           {@code no-failover}, or the cluster has no single primary
     */
    public static SwitchoverPlan decide(Topology topology, String target) throws SwitchoverRefused {
        String cluster = topology.cluster();
        if (target != null && topology.instance(target).isEmpty()) {
            throw new SwitchoverRefused(SwitchoverResult.Outcome.UNKNOWN, "cluster " + cluster
                    + " has no instance '" + target + "' (it has " + topology.instances().stream()
                    .map(InstanceState::name).collect(Collectors.joining(", ")) + ")");
        }
        InstanceState primary = topology.primary().orElseThrow(() -> new SwitchoverRefused(
                SwitchoverResult.Outcome.CONFLICT, "cluster " + cluster + " has no primary to switch over from"
                        + (topology.instances().stream().filter(i -> i.role() == Role.PRIMARY).count() > 1
                        ? " (more than one instance claims to be primary)" : "")));
        InstanceState candidate = target == null ? CandidateSelector.choose(topology).orElseThrow(
                () -> new SwitchoverRefused(SwitchoverResult.Outcome.CONFLICT, "cluster " + cluster
                        + " has no healthy replica that may be promoted"))
                : eligible(topology.instance(target).orElseThrow(), primary, cluster);
        List<InstanceState> followers = topology.replicas().stream()
                .filter(r -> !r.name().equals(candidate.name()))
                .toList();
        return new SwitchoverPlan(primary, candidate, followers);
    }

    private static InstanceState eligible(InstanceState target, InstanceState primary, String cluster)
            throws SwitchoverRefused {
        if (target.name().equals(primary.name())) {
            throw new SwitchoverRefused(SwitchoverResult.Outcome.CONFLICT, target.name()
                    + " is already the primary of cluster " + cluster);
        }
        if (target.role() != Role.REPLICA || target.error() != null) {
            throw new SwitchoverRefused(SwitchoverResult.Outcome.CONFLICT, target.name()
                    + " is not a healthy replica (it is " + target.role().wireName()
                    + (target.error() == null ? "" : ": " + target.error()) + ")");
        }
        if (target.config().noFailover()) {
            throw new SwitchoverRefused(SwitchoverResult.Outcome.CONFLICT, target.name()
                    + " is marked no-failover and is never promoted");
        }
        return target;
    }
}
