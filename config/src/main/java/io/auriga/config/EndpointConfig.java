package io.auriga.config;

import java.time.Duration;
import java.util.List;

/**
 * A listener with a routing rule. {@code instances} is used by {@code custom} (a subset) and
 * {@code instance} (exactly one) endpoints and is empty for the others.
 */
public record EndpointConfig(
        String name,
        EndpointRole role,
        String host,
        int port,
        Balance balance,
        Duration maxLag,
        boolean fallbackToWriter,
        List<String> instances) {

    public EndpointConfig {
        instances = List.copyOf(instances);
    }

    /** The same endpoint with another lag bound and fallback (meaningful for a reader). */
    public EndpointConfig withLagPolicy(Duration newMaxLag, boolean newFallbackToWriter) {
        return new EndpointConfig(name, role, host, port, balance, newMaxLag, newFallbackToWriter, instances);
    }

    public enum EndpointRole {
        WRITER, READER, CUSTOM, INSTANCE
    }

    public enum Balance {
        ROUND_ROBIN, LEAST_CONNECTIONS
    }
}
