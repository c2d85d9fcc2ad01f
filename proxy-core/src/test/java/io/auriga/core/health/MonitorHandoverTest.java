package io.auriga.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.topology.FailoverState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A switchover makes the primary read-only before it promotes the candidate; where the probe tells
 * a primary by its writability (MariaDB), the old primary then reports itself fenced. The monitor
 * must keep it the primary through the hand-over, and after a cancelled one, rather than leave the
 * cluster without a primary for good (a fenced instance stays fenced).
 */
class MonitorHandoverTest {
    private static final ClusterConfig CLUSTER = new ClusterConfig("c", Engine.MYSQL, List.of(
            new InstanceConfig("my1", "h", 3306, 0, false),
            new InstanceConfig("my2", "h", 3307, 0, false)),
            new Credentials("admin", null), List.of(), FailoverConfig.defaults());

    private final Map<String, ProbeResult> seen = new ConcurrentHashMap<>();
    private TopologyHolder holder;
    private Monitor monitor;

    @BeforeEach
    void start() {
        holder = new TopologyHolder(Monitor.initial(CLUSTER, Clock.systemUTC()));
        monitor = new Monitor(CLUSTER, instance -> new Probe() {
            @Override
            public ProbeResult probe() {
                return seen.get(instance.name());
            }

            @Override
            public void close() {
            }
        }, holder, Clock.systemUTC());
        seen.put("my1", ProbeResult.primary(10));
        seen.put("my2", ProbeResult.replica(10, 10, null));
        monitor.round();
        assertEquals("my1", primary());
    }

    @AfterEach
    void stop() {
        monitor.close();
    }

    @Test
    void readOnlyPrimaryStaysPrimaryUntilTheCandidateTakesOver() {
        long epoch = holder.current().epoch();
        expectHandover();
        seen.put("my1", fencedAt(12));
        monitor.round();
        assertEquals("my1", primary(), "read-only on purpose, still the primary");
        assertEquals(epoch, holder.current().epoch());

        seen.put("my2", ProbeResult.primary(12));
        monitor.round();
        assertEquals("my2", primary());
        assertEquals(Role.FENCED, holder.current().instance("my1").orElseThrow().role());
        assertTrue(holder.current().epoch() > epoch);
    }

    @Test
    void cancelledHandoverLeavesTheWritableOldPrimaryInPlace() {
        expectHandover();
        seen.put("my1", fencedAt(12));
        monitor.round();
        // Rolled back: writable again, then the hand-over withdrawn.
        seen.put("my1", ProbeResult.primary(12));
        holder.moveFailoverState(holder.failoverState(), holder.failoverState().ended());
        monitor.round();
        assertEquals("my1", primary());
        assertEquals(Role.REPLICA, holder.current().instance("my2").orElseThrow().role());
    }

    @Test
    void withoutAHandoverAReadOnlyPrimaryIsFenced() {
        seen.put("my1", fencedAt(12));
        monitor.round();
        assertEquals(Role.FENCED, holder.current().instance("my1").orElseThrow().role());
        assertEquals(null, primary());
    }

    /** A switchover from my1 to my2 past its drain: the monitor reads the hand-over from the state. */
    private void expectHandover() {
        FailoverState steady = holder.failoverState();
        holder.moveFailoverState(steady, new FailoverState(FailoverState.Phase.DEMOTING, "my1", "my2", 1,
                steady.since(), null, null, null));
    }

    private static ProbeResult fencedAt(long position) {
        return new ProbeResult(Role.FENCED, position, position, null, false, null);
    }

    private String primary() {
        Topology t = holder.current();
        return t.primary().map(i -> i.name()).orElse(null);
    }
}
