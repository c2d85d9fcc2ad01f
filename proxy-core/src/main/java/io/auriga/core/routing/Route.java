package io.auriga.core.routing;

import io.auriga.core.topology.InstanceState;

/** Where a new session goes, or why it cannot go anywhere. */
public sealed interface Route {

    /** Connect to {@code instance}; valid while the cluster is in {@code epoch}. */
    record To(InstanceState instance, long epoch) implements Route {
    }

    /** A failover or switchover is under way: try again shortly, until the failover timeout. */
    record Wait(String reason) implements Route {
    }

    /** No instance can take the session; {@code reason} is shown to the client and logged. */
    record Unavailable(String reason) implements Route {
    }
}
