package io.auriga.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.auriga.config.LoginThrottleConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Failed logins per user and address: a growing hold after a few, other addresses untouched. */
class LoginThrottleTest {
    private static final LoginThrottle.Admission NOW = new LoginThrottle.Admission(Duration.ZERO, false);

    private final ManualClock clock = new ManualClock();
    private final LoginThrottle throttle = new LoginThrottle(new LoginThrottleConfig(3, Duration.ofSeconds(1),
            Duration.ofSeconds(5)), clock);

    @Test
    void afterAFewFailuresEachAttemptIsHeldLongerUpToTheMaximum() {
        for (int i = 0; i < 3; i++) {
            assertEquals(NOW, throttle.admit("app", "10.0.0.1"), "the first failures cost nothing");
            throttle.failed("app", "10.0.0.1");
        }
        assertEquals(hold(1000), throttle.admit("app", "10.0.0.1"));
        clock.advance(1000);
        throttle.failed("app", "10.0.0.1");
        assertEquals(hold(2000), throttle.admit("app", "10.0.0.1"), "twice as long after each failure");
        clock.advance(2000);
        throttle.failed("app", "10.0.0.1");
        assertEquals(hold(4000), throttle.admit("app", "10.0.0.1"));
        clock.advance(4000);
        throttle.failed("app", "10.0.0.1");
        assertEquals(hold(5000), throttle.admit("app", "10.0.0.1"), "at most max-delay");
    }

    @Test
    void anotherAddressOrUserIsNotHeldAndSuccessEndsTheRun() {
        for (int i = 0; i < 4; i++) {
            throttle.failed("app", "10.0.0.1");
        }
        assertEquals(NOW, throttle.admit("app", "10.0.0.2"), "a stranger's guesses do not lock the user out");
        assertEquals(NOW, throttle.admit("other", "10.0.0.1"));
        assertEquals(hold(2000), throttle.admit("app", "10.0.0.1"));
        clock.advance(2000);
        throttle.succeeded("app", "10.0.0.1");
        assertEquals(NOW, throttle.admit("app", "10.0.0.1"));
    }

    @Test
    void attemptsAtOnceWaitTheirTurnAndThoseBeyondTheMaximumAreRefused() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("app", "10.0.0.1");
        }
        assertEquals(hold(1000), throttle.admit("app", "10.0.0.1"));
        assertEquals(hold(2000), throttle.admit("app", "10.0.0.1"), "the next turn, one delay later");
        assertEquals(hold(3000), throttle.admit("app", "10.0.0.1"));
        assertEquals(hold(4000), throttle.admit("app", "10.0.0.1"));
        assertEquals(hold(5000), throttle.admit("app", "10.0.0.1"));
        assertEquals(new LoginThrottle.Admission(Duration.ofSeconds(5), true), throttle.admit("app", "10.0.0.1"),
                "held for max-delay, then refused without a check");
    }

    @Test
    void aRunIsForgottenAfterAQuietWhile() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("app", "10.0.0.1");
        }
        clock.advance(LoginThrottle.FORGET.toMillis() + 1);
        throttle.failed("app", "10.0.0.1");
        assertEquals(NOW, throttle.admit("app", "10.0.0.1"), "one failure in a new run");
    }

    @Test
    void offHoldsNothing() {
        LoginThrottle off = new LoginThrottle(LoginThrottleConfig.OFF, clock);
        for (int i = 0; i < 100; i++) {
            off.failed("app", "10.0.0.1");
        }
        assertEquals(NOW, off.admit("app", "10.0.0.1"));
    }

    private static LoginThrottle.Admission hold(long millis) {
        return new LoginThrottle.Admission(Duration.ofMillis(millis), false);
    }

    /** A clock moved by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(long millis) {
            now = now.plusMillis(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
