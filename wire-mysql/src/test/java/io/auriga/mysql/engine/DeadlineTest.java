package io.auriga.mysql.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A failover step's deadline reads the time left from its ticker, here one the test moves. */
class DeadlineTest {
    private final AtomicLong nanos = new AtomicLong(-5_000_000_000L);

    @Test
    void theTimeLeftShrinksWithTheTickerAndGoesBelowZeroOnceItPassed() {
        Deadline deadline = Deadline.after(nanos::get, Duration.ofSeconds(1));
        assertEquals(1000, deadline.millisLeft());
        nanos.addAndGet(Duration.ofMillis(400).toNanos());
        assertEquals(600, deadline.millisLeft());
        assertEquals(Duration.ofMillis(600).toNanos(), deadline.nanosLeft());
        assertEquals(5600, deadline.plus(Duration.ofSeconds(5)).millisLeft(), "room after the deadline");
        nanos.addAndGet(Duration.ofMillis(700).toNanos());
        assertEquals(-100, deadline.millisLeft());
    }
}
