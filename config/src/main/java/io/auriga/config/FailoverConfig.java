package io.auriga.config;

import java.time.Duration;

/**
 * How instances are probed and when a lost primary is replaced.
 *
 * @param rejoinCommand a shell command run to make a fenced former primary a replica of the new
 *                      primary, for clusters whose servers Auriga does not manage; null when none
 * @param rejoinTimeout how long the rejoin command may run before it is killed
 */
public record FailoverConfig(
        boolean auto,
        Duration probeInterval,
        int failureThreshold,
        Duration probeTimeout,
        Duration failoverTimeout,
        String rejoinCommand,
        Duration rejoinTimeout) {

    public static final Duration DEFAULT_REJOIN_TIMEOUT = Duration.ofMinutes(10);

    /** The same probing and failover settings with no rejoin command. */
    public FailoverConfig(boolean auto, Duration probeInterval, int failureThreshold, Duration probeTimeout,
                          Duration failoverTimeout) {
        this(auto, probeInterval, failureThreshold, probeTimeout, failoverTimeout, null, DEFAULT_REJOIN_TIMEOUT);
    }

    public static FailoverConfig defaults() {
        return new FailoverConfig(true, Duration.ofMillis(500), 3, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }
}
