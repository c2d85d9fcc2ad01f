package io.auriga.config;

import java.time.Duration;

/**
 * How instances are probed, when a lost primary is replaced, and how long a planned switchover
 * lets open transactions finish.
 *
 * @param switchoverDrain how long a switchover waits for writer sessions to reach the end of their
 *                        transaction before it ends the ones still inside one
 */
public record FailoverConfig(
        boolean auto,
        Duration probeInterval,
        int failureThreshold,
        Duration probeTimeout,
        Duration failoverTimeout,
        Duration switchoverDrain) {

    /** The switchover drain when none is configured. */
    public static final Duration DEFAULT_SWITCHOVER_DRAIN = Duration.ofSeconds(5);

    /** Without a switchover drain: the default one. */
    public FailoverConfig(boolean auto, Duration probeInterval, int failureThreshold, Duration probeTimeout,
                          Duration failoverTimeout) {
        this(auto, probeInterval, failureThreshold, probeTimeout, failoverTimeout, DEFAULT_SWITCHOVER_DRAIN);
    }

    public static FailoverConfig defaults() {
        return new FailoverConfig(true, Duration.ofMillis(500), 3, Duration.ofSeconds(1), Duration.ofSeconds(30),
                DEFAULT_SWITCHOVER_DRAIN);
    }
}
