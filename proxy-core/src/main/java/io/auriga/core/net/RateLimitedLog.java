package io.auriga.core.net;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Lets one warning through per interval and counts the rest, which the next one reports. What
 * repeats under load (a refused connection, a failed accept) would otherwise flood the log and slow
 * the event loop writing it, just when the process is short of resources.
 */
public final class RateLimitedLog {
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong next;
    private final AtomicLong suppressed = new AtomicLong();

    /** @param nanoTime a clock such as {@link System#nanoTime}, injected so tests need not wait */
    public RateLimitedLog(Duration interval, LongSupplier nanoTime) {
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.next = new AtomicLong(nanoTime.getAsLong());
    }

    /** Logs at WARN unless another line went out less than the interval ago; arguments as SLF4J takes them. */
    public void log(Logger log, String format, Object... arguments) {
        long now = nanoTime.getAsLong();
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
