package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.health.Monitor;
import io.auriga.core.health.Probe;
import io.auriga.core.health.ProbeResult;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A probe that looks at a replica in the middle of its promotion can see it fenced (MariaDB:
 * replication already reset, read_only not yet off). The orchestrator must not then fence the
 * primary it has just promoted. The instances answer through scripted probes; the monitor, the
 * topology and the orchestrator are the real ones.
 */
class PromotedLooksFencedTest {
    private final Map<String, ProbeResult> answers = new ConcurrentHashMap<>();
    private final List<String> fenced = new CopyOnWriteArrayList<>();

    @Test
    void aCandidateSeenFencedDuringItsPromotionStaysThePrimary() throws Exception {
        FailoverConfig failover = new FailoverConfig(true, Duration.ofMillis(500), 1, Duration.ofSeconds(1),
                Duration.ofSeconds(10));
        ClusterConfig cluster = new ClusterConfig("c", Engine.MYSQL,
                List.of(new InstanceConfig("my1", "127.0.0.1", 3307, 0, false),
                        new InstanceConfig("my2", "127.0.0.1", 3308, 1, false)),
                new Credentials("admin", new Secret("pw", "inline")), List.of(), failover);
        TopologyHolder holder = new TopologyHolder(Monitor.initial(cluster, Clock.systemUTC()));
        Probe.Factory probes = instance -> new Probe() {
            @Override
            public ProbeResult probe() {
                return answers.get(instance.name());
            }

            @Override
            public void close() {
            }
        };
        answers.put("my1", ProbeResult.primary(100));
        answers.put("my2", ProbeResult.replica(100, 100, null));
        try (Monitor monitor = new Monitor(cluster, probes, holder, Clock.systemUTC())) {
            ClusterOperations operations = new ClusterOperations() {
                @Override
                public void promote(InstanceConfig candidate, Duration timeout) throws Exception {
                    answers.put(candidate.name(), new ProbeResult(Role.FENCED, 100, 100, null, false, null));
                    monitor.probeNow();
                    await(holder, t -> role(t, candidate.name()) == Role.FENCED, "the candidate seen fenced");
                    answers.put(candidate.name(), ProbeResult.primary(100));
                }

                @Override
                public void repoint(InstanceConfig replica, InstanceConfig newPrimary, Duration timeout) {
                }

                @Override
                public void fence(InstanceConfig former, Duration timeout) {
                    fenced.add(former.name());
                }
            };
            FailoverOrchestrator orchestrator = new FailoverOrchestrator(cluster, holder, monitor, operations, null);
            try {
                monitor.probeNow();
                await(holder, t -> t.primary().map(InstanceState::name).orElse("").equals("my1"), "my1 primary");

                answers.put("my1", ProbeResult.failed("connection refused", true));
                monitor.probeNow();
                await(holder, t -> t.primary().map(InstanceState::name).orElse("").equals("my2"), "my2 promoted");
                // A fence queued behind the failover runs right after it: give it the time to.
                Thread.sleep(1_000);
                assertEquals(List.of(), fenced, "the promoted primary was fenced");
                assertEquals(Role.PRIMARY, role(holder.current(), "my2"));
            } finally {
                orchestrator.close();
            }
        }
    }

    private static Role role(Topology topology, String name) {
        return topology.instance(name).map(InstanceState::role).orElse(null);
    }

    private static void await(TopologyHolder holder, Predicate<Topology> condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.test(holder.current())) {
            assertTrue(System.nanoTime() < deadline, "not within 10 s: " + what + "; topology " + holder.current());
            Thread.sleep(20);
        }
    }
}
