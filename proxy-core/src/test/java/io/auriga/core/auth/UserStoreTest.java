package io.auriga.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The database is asked at every login; what it said stands in only while it cannot be asked. */
class UserStoreTest {
    private static final UserLookup BEFORE = new UserLookup.Found(new StoredCredential.Md5(
            Md5Password.storedHash("app", "before")));
    private static final UserLookup AFTER = new UserLookup.Found(new StoredCredential.Md5(
            Md5Password.storedHash("app", "after")));
    private static final UserLookup DOWN = new UserLookup.Unavailable("no instance answers");

    private UserLookup answer = BEFORE;
    private final ManualClock clock = new ManualClock();
    private final UserStore store = new UserStore(List.of(), null, user -> answer, Runnable::run, clock,
            Duration.ofSeconds(30), new SecureRandom());

    @Test
    void aChangedPasswordCountsFromTheNextLogin() {
        assertEquals(BEFORE, store.lookup("app").join());
        answer = AFTER;
        assertEquals(AFTER, store.lookup("app").join(), "no verifier read before the change is used");
        answer = new UserLookup.Refused("role \"app\" is not permitted to log in");
        assertInstanceOf(UserLookup.Refused.class, store.lookup("app").join());
    }

    @Test
    void whatWasReadStandsInOnlyWhileTheDatabaseCannotBeAskedAndOnlyForTheTtl() {
        assertEquals(BEFORE, store.lookup("app").join());
        answer = DOWN;
        clock.advance(Duration.ofSeconds(29));
        assertEquals(BEFORE, store.lookup("app").join(), "users who logged in lately still can");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(DOWN, store.lookup("app").join(), "not after the ttl");
        assertEquals(DOWN, store.lookup("other").join(), "nor a user never read");
    }

    /** A clock moved by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
