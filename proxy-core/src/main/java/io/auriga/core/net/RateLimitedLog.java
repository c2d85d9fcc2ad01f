package io.auriga.core.net;

import io.auriga.core.session.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Lets one warning through per interval and counts the rest, which the next one reports. What
 * repeats under load (a refused connection, a failed accept) would otherwise flood the log and slow
 * the event loop writing it, just when the process is short of resources.
 */
public final class RateLimitedLog {
    private final long intervalNanos;
    private final Ticker ticker;
    private final AtomicLong next;
    private final AtomicLong suppressed = new AtomicLong();

    /** @param ticker measures the interval; injected so tests need not wait */
    public RateLimitedLog(Duration interval, Ticker ticker) {
        this.intervalNanos = interval.toNanos();
        this.ticker = ticker;
        this.next = new AtomicLong(ticker.nanos());
    }

    /** Logs at WARN unless another line went out less than the interval ago; arguments as SLF4J takes them. */
    public void log(Logger log, String format, Object... arguments) {
        long now = ticker.nanos();
        long due = next.get();
        if (now - due < 0 || !next.compareAndSet(due, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long skipped = suppressed.getAndSet(0);
        if (skipped == 0) {
            log.warn(format, arguments);
        } else {
            log.warn(format + " ({} more since the last such line)", append(arguments, skipped));
        }
    }

    private static Object[] append(Object[] arguments, Object last) {
        Object[] all = java.util.Arrays.copyOf(arguments, arguments.length + 1);
        all[arguments.length] = last;
        return all;
    }
}
