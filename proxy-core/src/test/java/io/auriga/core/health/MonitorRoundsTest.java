package io.auriga.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.testing.DirectExecutor;
import io.auriga.core.testing.ManualClock;
import io.auriga.core.testing.ManualScheduler;
import io.auriga.core.topology.TopologyHolder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When the monitor probes: one round at start, then one per probe interval after the last ended, an
 * extra one when asked, none after close; on a manual clock and scheduler.
 */
class MonitorRoundsTest {
    private static final Duration INTERVAL = Duration.ofMillis(500);
    private static final ClusterConfig CLUSTER = new ClusterConfig("c", Engine.POSTGRES, List.of(
            new InstanceConfig("pg1", "h", 5432, 0, false)),
            new Credentials("admin", null), List.of(),
            new FailoverConfig(true, INTERVAL, 3, Duration.ofSeconds(1), Duration.ofSeconds(10)));

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler rounds = new ManualScheduler(clock);
    private final AtomicInteger probes = new AtomicInteger();
    private final Monitor monitor = new Monitor(CLUSTER, instance -> new Probe() {
        @Override
        public ProbeResult probe() {
            probes.incrementAndGet();
            return ProbeResult.primary(10);
        }

        @Override
        public void close() {
        }
    }, new TopologyHolder(Monitor.initial(CLUSTER, clock), clock), clock, rounds, new DirectExecutor());

    @Test
    void probesOncePerIntervalAndWhenAskedUntilClosed() {
        monitor.start();
        assertEquals(1, probes.get(), "the first round runs before start returns");
        assertEquals(0, rounds.advance(INTERVAL.minusMillis(1)));
        assertEquals(1, probes.get(), "not before the interval is up");
        rounds.advance(Duration.ofMillis(1));
        assertEquals(2, probes.get());
        rounds.advance(INTERVAL);
        assertEquals(3, probes.get(), "and again one interval later");

        monitor.probeNow();
        rounds.runReady();
        assertEquals(4, probes.get(), "asked, at once");
        rounds.advance(INTERVAL);
        assertEquals(5, probes.get(), "a round asked for does not move the periodic ones");

        monitor.close();
        rounds.advance(INTERVAL.multipliedBy(3));
        assertEquals(5, probes.get(), "none after close");
        assertEquals(0, rounds.queued());
    }
}
