package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import io.auriga.core.testing.DirectExecutor;
import io.auriga.core.testing.ManualClock;
import io.auriga.core.testing.ManualScheduler;
import io.auriga.core.topology.FailoverState.Phase;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A probe that looks at a replica in the middle of its promotion can see it fenced (MariaDB:
 * replication already reset, read_only not yet off). The orchestrator must not then fence the
 * primary it has just promoted. The instances answer through scripted probes; the monitor, the
 * topology and the orchestrator are the real ones, their rounds and steps run on a manual clock and
 * scheduler, on the test's thread.
 */
class PromotedLooksFencedTest {
    private final Map<String, ProbeResult> answers = new HashMap<>();
    private final List<String> fenced = new ArrayList<>();
    private final ManualClock clock = new ManualClock();
    private final ManualScheduler rounds = new ManualScheduler(clock);
    private final ManualScheduler worker = new ManualScheduler(clock);
    private final ManualScheduler rejoins = new ManualScheduler(clock);

    @Test
    void aCandidateSeenFencedDuringItsPromotionStaysThePrimary() {
        FailoverConfig failover = new FailoverConfig(true, Duration.ofMillis(500), 1, Duration.ofSeconds(1),
                Duration.ofSeconds(10));
        ClusterConfig cluster = new ClusterConfig("c", Engine.MYSQL,
                List.of(new InstanceConfig("my1", "127.0.0.1", 3307, 0, false),
                        new InstanceConfig("my2", "127.0.0.1", 3308, 1, false)),
                new Credentials("admin", new Secret("pw", "inline")), List.of(), failover);
        TopologyHolder holder = new TopologyHolder(Monitor.initial(cluster, clock), clock);
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
        try (Monitor monitor = new Monitor(cluster, probes, holder, clock, rounds, new DirectExecutor())) {
            ClusterOperations operations = new ClusterOperations() {
                @Override
                public void promote(InstanceConfig candidate, Duration timeout) {
                    answers.put(candidate.name(), new ProbeResult(Role.FENCED, 100, 100, null, false, null));
                    monitor.probeNow();
                    rounds.runReady();
                    assertEquals(Role.FENCED, role(holder.current(), candidate.name()), "the candidate seen fenced");
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
            try (FailoverOrchestrator orchestrator = new FailoverOrchestrator(cluster, holder, monitor::probeNow,
                    operations, null, null, clock, worker, rejoins)) {
                monitor.probeNow();
                rounds.runReady();
                assertEquals("my1", primary(holder));

                answers.put("my1", ProbeResult.failed("connection refused", true));
                monitor.probeNow();
                rounds.runReady();
                assertEquals(Phase.PROMOTING, holder.failoverState().phase(), holder.failover());
                // The promotion, then the fence the candidate's fenced look queued behind it.
                worker.runReady();
                rounds.runReady();
                assertEquals("my2", primary(holder), "my2 promoted");
                worker.runReady();
                // Nothing else is due later either.
                clock.advance(failover.failoverTimeout().plusSeconds(1));
                rounds.runReady();
                worker.runReady();
                rejoins.runReady();
                assertEquals(List.of(), fenced, "the promoted primary was fenced");
                assertEquals(Role.PRIMARY, role(holder.current(), "my2"));
                assertEquals(Phase.STEADY, holder.failoverState().phase(), holder.failover());
            }
        }
    }

    private static String primary(TopologyHolder holder) {
        return holder.current().primary().map(InstanceState::name).orElse(null);
    }

    private static Role role(Topology topology, String name) {
        return topology.instance(name).map(InstanceState::role).orElse(null);
    }
}
