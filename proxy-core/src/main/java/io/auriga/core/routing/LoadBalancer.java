package io.auriga.core.routing;

import io.auriga.core.topology.InstanceState;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Picks one of several eligible instances. Implementations are thread-safe and never block. */
public interface LoadBalancer {

    /** Picks from a non-empty list. */
    InstanceState pick(List<InstanceState> candidates);

    /** Each call takes the next instance in turn. */
    static LoadBalancer roundRobin() {
        AtomicInteger next = new AtomicInteger();
        return candidates -> candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
    }

    /** Takes the instance with the fewest open sessions, by {@code counts}; ties go round-robin. */
    static LoadBalancer leastConnections(ConnectionCounts counts) {
        AtomicInteger tieBreak = new AtomicInteger();
        return candidates -> {
            int start = Math.floorMod(tieBreak.getAndIncrement(), candidates.size());
            InstanceState best = null;
            long bestCount = Long.MAX_VALUE;
            for (int i = 0; i < candidates.size(); i++) {
                InstanceState candidate = candidates.get((start + i) % candidates.size());
                long count = counts.open(candidate.name());
                if (count < bestCount) {
                    best = candidate;
                    bestCount = count;
                }
            }
            return best;
        };
    }
}
