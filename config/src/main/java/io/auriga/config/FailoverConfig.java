package io.auriga.config;

import java.time.Duration;

/**
 * How instances are probed, when a lost primary is replaced, how long a planned switchover lets
 * open transactions finish, and how a fenced former primary is rejoined.
 *
 * @param switchoverDrain how long a switchover waits for writer sessions to reach the end of their
 *                        transaction before it ends the ones still inside one
 * @param rejoinCommand   a shell command run to make a fenced former primary a replica of the new
 *                        primary, for clusters whose servers Auriga does not manage; null when none
 * @param rejoinTimeout   how long the rejoin command may run before it is killed
 */
public record FailoverConfig(
        boolean auto,
        Duration probeInterval,
        int failureThreshold,
        Duration probeTimeout,
        Duration failoverTimeout,
        Duration switchoverDrain,
        String rejoinCommand,
        Duration rejoinTimeout) {

    /** The switchover drain when none is configured. */
    public static final Duration DEFAULT_SWITCHOVER_DRAIN = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REJOIN_TIMEOUT = Duration.ofMinutes(10);

    /** The default switchover drain and no rejoin command. */
    public FailoverConfig(boolean auto, Duration probeInterval, int failureThreshold, Duration probeTimeout,
                          Duration failoverTimeout) {
        this(auto, probeInterval, failureThreshold, probeTimeout, failoverTimeout, DEFAULT_SWITCHOVER_DRAIN, null,
                DEFAULT_REJOIN_TIMEOUT);
    }

    /** The same settings with {@code command} run to rejoin a fenced former primary. */
    public FailoverConfig withRejoinCommand(String command, Duration timeout) {
        return new FailoverConfig(auto, probeInterval, failureThreshold, probeTimeout, failoverTimeout, switchoverDrain,
                command, timeout);
    }

    public static FailoverConfig defaults() {
        return new FailoverConfig(true, Duration.ofMillis(500), 3, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }
}
