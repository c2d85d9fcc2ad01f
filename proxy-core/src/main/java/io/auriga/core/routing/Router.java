package io.auriga.core.routing;

import io.auriga.config.EndpointConfig;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.util.List;

/**
 * The routing rule of one endpoint over the current topology snapshot. Reads the snapshot once per
 * decision and never locks, so routing never waits on the monitor.
 * <ul>
 *   <li>writer: the single primary, none while two instances claim to be primary;</li>
 *   <li>reader: a healthy replica within {@code max-lag}, balanced; the primary when none is left and
 *       {@code fallback-to-writer} is set;</li>
 *   <li>custom: any healthy listed instance, balanced; instance: that one instance while it is healthy.</li>
 * </ul>
 */
public final class Router {
    private final EndpointConfig endpoint;
    private final TopologyHolder topology;
    private final LoadBalancer balancer;

    public Router(EndpointConfig endpoint, TopologyHolder topology, ConnectionCounts counts) {
        this.endpoint = endpoint;
        this.topology = topology;
        this.balancer = endpoint.balance() == EndpointConfig.Balance.LEAST_CONNECTIONS
                ? LoadBalancer.leastConnections(counts)
                : LoadBalancer.roundRobin();
    }

    public EndpointConfig endpoint() {
        return endpoint;
    }

    /** The cluster snapshot this endpoint routes over. */
    public TopologyHolder topology() {
        return topology;
    }

    /** True when sessions of this endpoint must follow the primary. */
    public boolean followsPrimary() {
        return endpoint.role() == EndpointConfig.EndpointRole.WRITER;
    }

    /** True when sessions of this endpoint must be read-only. */
    public boolean readOnly() {
        return endpoint.role() == EndpointConfig.EndpointRole.READER;
    }

    public Route route() {
        Topology snapshot = topology.current();
        return switch (endpoint.role()) {
            case WRITER -> writer(snapshot);
            case READER -> reader(snapshot);
            case CUSTOM, INSTANCE -> listed(snapshot);
        };
    }

    private Route writer(Topology snapshot) {
        if (snapshot.primary().isPresent()) {
            return new Route.To(snapshot.primary().get(), snapshot.epoch());
        }
        String failover = topology.failover();
        if (failover == null) {
            failover = topology.switchover();
        }
        return failover != null ? new Route.Wait(failover) : new Route.Unavailable(noPrimaryReason(snapshot));
    }

    private Route reader(Topology snapshot) {
        long maxLag = endpoint.maxLag() == null ? Long.MAX_VALUE : endpoint.maxLag().toMillis();
        List<InstanceState> eligible = snapshot.replicas().stream()
                .filter(InstanceState::isFollowingReplica)
                .filter(r -> r.lagMillis() >= 0 && r.lagMillis() <= maxLag)
                .toList();
        if (!eligible.isEmpty()) {
            return new Route.To(balancer.pick(eligible), snapshot.epoch());
        }
        if (endpoint.fallbackToWriter() && snapshot.primary().isPresent()) {
            return writer(snapshot);
        }
        return new Route.Unavailable("no replica of cluster " + snapshot.cluster() + " is healthy and within "
                + endpoint.maxLag().toMillis() + " ms of lag");
    }

    private Route listed(Topology snapshot) {
        List<InstanceState> eligible = snapshot.instances().stream()
                .filter(i -> endpoint.instances().contains(i.name()))
                .filter(InstanceState::isRoutable)
                .toList();
        if (eligible.isEmpty()) {
            return new Route.Unavailable("no instance of " + endpoint.instances() + " in cluster "
                    + snapshot.cluster() + " is available");
        }
        return new Route.To(balancer.pick(eligible), snapshot.epoch());
    }

    private static String noPrimaryReason(Topology snapshot) {
        long primaries = snapshot.instances().stream().filter(i -> i.role() == Role.PRIMARY).count();
        return primaries > 1
                ? "cluster " + snapshot.cluster() + " has " + primaries + " primaries; writes are refused until one remains"
                : "cluster " + snapshot.cluster() + " has no primary available";
    }
}
