package io.auriga.core.routing;

import io.auriga.core.topology.InstanceState;

/** Where a new session goes, or why it cannot go anywhere. */
public sealed interface Route {

    /** Connect to {@code instance}; valid while the cluster is in {@code epoch}. */
    record To(InstanceState instance, long epoch) implements Route {
    }

    /** No instance can take the session; {@code reason} is shown to the client and logged. */
    record Unavailable(String reason) implements Route {
    }
}
