package io.auriga.config;

import java.time.Duration;

/**
 * How failed logins are slowed down ({@code server.login-throttle}), per user and client address:
 * after {@code afterFailures} failures in a row each further attempt waits, {@code delay} at first,
 * twice as long after each failure, at most {@code maxDelay}. A zero {@code maxDelay} turns it off.
 */
public record LoginThrottleConfig(int afterFailures, Duration delay, Duration maxDelay) {

    /** Five failures free, then 1 s, 2 s, 4 s, 5 s … */
    public static final LoginThrottleConfig DEFAULTS = new LoginThrottleConfig(5, Duration.ofSeconds(1),
            Duration.ofSeconds(5));

    /** No throttling. */
    public static final LoginThrottleConfig OFF = new LoginThrottleConfig(0, Duration.ZERO, Duration.ZERO);

    public boolean enabled() {
        return !maxDelay.isZero();
    }
}
