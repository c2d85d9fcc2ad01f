package io.auriga.core.auth;

import io.auriga.config.LoginThrottleConfig;
import io.netty.util.concurrent.EventExecutor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Slows down password guessing: failed logins are counted per user and client address, and once
 * {@code after-failures} have failed in a row, each further attempt from that address as that user is
 * held before it is checked, for a delay that doubles with every failure up to {@code max-delay}:
 * <pre>
 *   attempt   → {@link #admit}: check now, hold for a while, or (its turn is further off than
 *                max-delay: many attempts at once) hold for max-delay and refuse it unchecked
 *   verdict   → {@link #failed} (one more failure, the next turn moves on) or {@link #succeeded} (forgotten)
 * </pre>
 * Every attempt is held, not only failed ones, so how fast the answer comes says nothing about the
 * password. Counting per address and user, a stranger's guesses never lock the user out for anyone
 * else. Failures are forgotten after {@link #FORGET} without one, and the table is bounded.
 */
public final class LoginThrottle {
    /** How long a run of failures is remembered after the last one. */
    static final Duration FORGET = Duration.ofMinutes(15);
    private static final int MAX_ENTRIES = 100_000;

    /** What to do with an attempt. */
    public record Admission(Duration hold, boolean refused) {
        static final Admission NOW = new Admission(Duration.ZERO, false);

        /**
         * Runs {@code check} (or {@code refuse}, for an attempt refused unchecked) on {@code executor} once
         * the hold has passed, and only if {@code stillWaiting} then says the login is still waiting for
         * it (the client may have left meanwhile); at once when there is no hold.
         */
        public void then(EventExecutor executor, BooleanSupplier stillWaiting, Runnable refuse, Runnable check) {
            Runnable start = refused ? refuse : check;
            if (hold.isZero()) {
                start.run();
                return;
            }
            // Held before anything is checked, so how soon the answer comes says nothing about the password.
            executor.schedule(() -> {
                if (stillWaiting.getAsBoolean()) {
                    start.run();
                }
            }, hold.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private final LoginThrottleConfig config;
    private final Clock clock;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    public LoginThrottle(LoginThrottleConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** An attempt to log in as {@code user} from {@code address}: when to check it, or whether to refuse it. */
    public Admission admit(String user, String address) {
        if (!config.enabled()) {
            return Admission.NOW;
        }
        Entry entry = entries.get(new Key(user, address));
        if (entry == null) {
            return Admission.NOW;
        }
        synchronized (entry) {
            Instant now = clock.instant();
            if (entry.failures < config.afterFailures()) {
                return Admission.NOW;
            }
            Instant turn = entry.next.isAfter(now) ? entry.next : now;
            Duration hold = Duration.between(now, turn);
            if (hold.compareTo(config.maxDelay()) > 0) {
                return new Admission(config.maxDelay(), true);
            }
            // Taken: an attempt arriving meanwhile waits for the turn after this one.
            entry.next = turn.plus(delay(entry.failures));
            return new Admission(hold, false);
        }
    }

    /** The attempt failed: one more failure in the run, and the next turn is a longer delay off. */
    public void failed(String user, String address) {
        if (!config.enabled()) {
            return;
        }
        Instant now = clock.instant();
        Key key = new Key(user, address);
        if (!entries.containsKey(key) && entries.size() >= MAX_ENTRIES) {
            forgetOld(now);
            if (entries.size() >= MAX_ENTRIES) {
                // Runs already counted go on; a flood of new names must not wipe them.
                return;
            }
        }
        Entry entry = entries.computeIfAbsent(key, k -> new Entry(now));
        synchronized (entry) {
            if (Duration.between(entry.last, now).compareTo(FORGET) > 0) {
                entry.failures = 0;
            }
            entry.failures++;
            entry.last = now;
            if (entry.failures >= config.afterFailures()) {
                Instant earliest = now.plus(delay(entry.failures));
                if (earliest.isAfter(entry.next)) {
                    entry.next = earliest;
                }
            }
        }
    }

    /** The attempt succeeded: the run of failures is over. */
    public void succeeded(String user, String address) {
        entries.remove(new Key(user, address));
    }

    /** {@code delay}, doubled for every failure past {@code after-failures}, at most {@code max-delay}. */
    private Duration delay(int failures) {
        int doublings = Math.min(30, Math.max(0, failures - config.afterFailures()));
        Duration grown = config.delay().multipliedBy(1L << doublings);
        return grown.compareTo(config.maxDelay()) > 0 ? config.maxDelay() : grown;
    }

    /** Keeps the table bounded: runs not continued for {@link #FORGET} go. */
    private void forgetOld(Instant now) {
        entries.values().removeIf(e -> Duration.between(e.last, now).compareTo(FORGET) > 0);
    }

    private record Key(String user, String address) {
    }

    /** A run of failures; guarded by its own lock. */
    private static final class Entry {
        private int failures;
        private Instant last;
        private Instant next;

        Entry(Instant now) {
            this.last = now;
            this.next = now;
        }
    }
}
