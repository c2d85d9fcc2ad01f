package io.auriga.core.session;

/**
 * A monotonic time source in nanoseconds, as {@link System#nanoTime()}: injected so that what decides
 * by elapsed time can be tested on a manual clock.
 */
@FunctionalInterface
public interface Ticker {
    /** The machine's monotonic clock. */
    Ticker SYSTEM = System::nanoTime;

    long nanos();
}
