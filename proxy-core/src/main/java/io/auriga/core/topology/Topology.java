package io.auriga.core.topology;

import io.auriga.config.Engine;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An immutable snapshot of one cluster. Routers read the current snapshot from a
 * {@link TopologyHolder} without locking; the monitor replaces it whole.
 *
 * @param epoch    grows with every change of primary; a write route is valid only in its epoch
 * @param failover what a failover under way is doing or waiting for, null when none is; the monitor's
 *                 snapshots never carry it, {@link TopologyHolder#withFailover()} adds it for display
 */
public record Topology(String cluster, Engine engine, long epoch, List<InstanceState> instances, Instant at,
                       String failover) {

    public Topology {
        instances = List.copyOf(instances);
    }

    public Topology(String cluster, Engine engine, long epoch, List<InstanceState> instances, Instant at) {
        this(cluster, engine, epoch, instances, at, null);
    }

    /**
     * The single primary, or empty when there is none or — a split brain — more than one:
     * writes are never routed while two instances claim to be primary.
     */
    public Optional<InstanceState> primary() {
        List<InstanceState> primaries = instances.stream().filter(i -> i.role() == Role.PRIMARY).toList();
        return primaries.size() == 1 ? Optional.of(primaries.get(0)) : Optional.empty();
    }

    public List<InstanceState> replicas() {
        return instances.stream().filter(i -> i.role() == Role.REPLICA).toList();
    }

    public Optional<InstanceState> instance(String name) {
        return instances.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    public Topology with(long newEpoch, List<InstanceState> newInstances, Instant now) {
        return new Topology(cluster, engine, newEpoch, newInstances, now);
    }

    /** The same snapshot described with the failover under way ({@code null}: none). */
    public Topology withFailover(String description) {
        return new Topology(cluster, engine, epoch, instances, at, description);
    }
}
