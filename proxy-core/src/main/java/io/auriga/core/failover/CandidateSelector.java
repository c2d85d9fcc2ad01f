package io.auriga.core.failover;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.util.Comparator;
import java.util.Optional;

/**
 * Chooses the replica to promote when the primary is lost: a pure function of the snapshot.
 * Among replicas the last probe saw healthy, and not marked {@code no-failover}: the lowest
 * promotion tier, then the most advanced replication position (least data lost), then the least
 * lag, then the name, so the choice is deterministic.
 */
public final class CandidateSelector {
    private static final Comparator<InstanceState> PREFERENCE = Comparator
            .comparingInt((InstanceState i) -> i.config().promotionTier())
            .thenComparing(Comparator.comparingLong(InstanceState::position).reversed())
            .thenComparingLong(i -> i.lagMillis() < 0 ? Long.MAX_VALUE : i.lagMillis())
            .thenComparing(InstanceState::name);

    private CandidateSelector() {
    }

    public static Optional<InstanceState> choose(Topology topology) {
        return topology.instances().stream()
                .filter(i -> i.role() == Role.REPLICA && i.error() == null && !i.config().noFailover())
                .min(PREFERENCE);
    }
}
