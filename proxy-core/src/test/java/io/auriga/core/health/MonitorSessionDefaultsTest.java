package io.auriga.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.topology.TopologyHolder;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The defaults a new session gets from its role and database apply only when a session starts: once
 * an instance reports others, sessions kept for reuse are stale, and the monitor says so.
 */
class MonitorSessionDefaultsTest {
    private static final ClusterConfig CLUSTER = new ClusterConfig("c", Engine.POSTGRES, List.of(
            new InstanceConfig("pg1", "h", 5432, 0, false),
            new InstanceConfig("pg2", "h", 5433, 0, false)),
            new Credentials("admin", null), List.of(), FailoverConfig.defaults());

    private final Map<String, ProbeResult> seen = new ConcurrentHashMap<>();
    private final List<String> stale = new CopyOnWriteArrayList<>();
    private final TopologyHolder holder = new TopologyHolder(Monitor.initial(CLUSTER, Clock.systemUTC()));
    private final Monitor monitor = new Monitor(CLUSTER, instance -> new Probe() {
        @Override
        public ProbeResult probe() {
            return seen.get(instance.name());
        }

        @Override
        public void close() {
        }
    }, holder, Clock.systemUTC());

    @AfterEach
    void stop() {
        monitor.close();
    }

    @Test
    void aChangedDigestMakesKeptSessionsStaleOncePerChange() {
        holder.onStaleSessions(stale::add);
        seen.put("pg1", ProbeResult.primary(10).withSessionDefaults("a"));
        seen.put("pg2", ProbeResult.replica(10, 10, null).withSessionDefaults("a"));
        monitor.round();
        monitor.round();
        assertEquals(List.of(), stale, "the first digest seen, and the same again, change nothing");

        seen.put("pg1", ProbeResult.primary(11).withSessionDefaults("b"));
        monitor.round();
        monitor.round();
        assertEquals(List.of("role or database defaults changed on pg1"), stale);

        seen.put("pg1", ProbeResult.failed("down", false));
        monitor.round();
        seen.put("pg1", ProbeResult.primary(12).withSessionDefaults("b"));
        monitor.round();
        assertEquals(1, stale.size(), "a failed probe is no change");
    }
}
