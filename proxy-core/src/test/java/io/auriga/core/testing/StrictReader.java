package io.auriga.core.testing;

import io.auriga.config.ClusterConfig;
import io.auriga.config.EndpointConfig;
import java.time.Duration;

/** Cluster configurations whose reader endpoints tolerate a given lag and never fall back to the primary. */
public final class StrictReader {
    private StrictReader() {
    }

    public static ClusterConfig of(ClusterConfig cluster, Duration maxLag) {
        return cluster.withEndpoints(cluster.endpoints().stream()
                .map(e -> e.role() == EndpointConfig.EndpointRole.READER ? e.withLagPolicy(maxLag, false) : e)
                .toList());
    }
}
