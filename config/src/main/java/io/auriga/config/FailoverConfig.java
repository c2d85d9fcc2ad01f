package io.auriga.config;

import java.time.Duration;

/** How instances are probed and when a lost primary is replaced. */
public record FailoverConfig(
        boolean auto,
        Duration probeInterval,
        int failureThreshold,
        Duration probeTimeout,
        Duration failoverTimeout) {

    public static FailoverConfig defaults() {
        return new FailoverConfig(true, Duration.ofMillis(500), 3, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }
}
