package io.auriga.mysql.engine;

import io.auriga.core.session.Ticker;
import java.time.Duration;

/**
 * The moment a failover step must be done by, on a monotonic {@link Ticker}; the time left is read
 * from the same ticker, so a step can be timed on a manual one.
 */
final class Deadline {
    private final Ticker ticker;
    private final long nanos;

    private Deadline(Ticker ticker, long nanos) {
        this.ticker = ticker;
        this.nanos = nanos;
    }

    /** {@code timeout} from now. */
    static Deadline after(Ticker ticker, Duration timeout) {
        return new Deadline(ticker, ticker.nanos() + timeout.toNanos());
    }

    /** The same deadline moved {@code by} later. */
    Deadline plus(Duration by) {
        return new Deadline(ticker, nanos + by.toNanos());
    }

    long nanosLeft() {
        return nanos - ticker.nanos();
    }

    /** Whole milliseconds left; zero or less once it has passed. */
    long millisLeft() {
        return nanosLeft() / 1_000_000;
    }
}
