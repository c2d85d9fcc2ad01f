package io.auriga.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.EndpointConfig;
import io.auriga.config.EndpointConfig.Balance;
import io.auriga.config.EndpointConfig.EndpointRole;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topologies;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouterTest {
    private final ConnectionCounts counts = new ConnectionCounts();

    @Test
    void writerGoesToThePrimaryWithTheEpoch() {
        Router router = router(EndpointRole.WRITER, false, List.of(),
                Topologies.of("c", 7).replica("pg2", 0).primary("pg1").build());
        Route.To to = assertInstanceOf(Route.To.class, router.route());
        assertEquals("pg1", to.instance().name());
        assertEquals(7, to.epoch());
    }

    @Test
    void writerRefusesWhenTwoInstancesClaimPrimary() {
        Router router = router(EndpointRole.WRITER, false, List.of(),
                Topologies.of("c", 1).primary("pg1").primary("pg2").build());
        Route.Unavailable no = assertInstanceOf(Route.Unavailable.class, router.route());
        assertTrue(no.reason().contains("2 primaries"), no.reason());
    }

    @Test
    void readerRoundRobinsOverReplicasWithinMaxLag() {
        Router router = router(EndpointRole.READER, false, List.of(),
                Topologies.of("c", 1).primary("pg1").replica("pg2", 10).replica("pg3", 50).replica("pg4", 60_000)
                        .add("pg5", Role.DOWN, 0).build());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            seen.add(((Route.To) router.route()).instance().name());
        }
        assertEquals(Set.of("pg2", "pg3"), seen);
    }

    @Test
    void readerSkipsAReplicaWhoseReplicationStoppedOnAnError() {
        Topology topology = Topologies.of("c", 1).primary("pg1").replica("pg2", 0)
                .stoppedReplica("pg3", "applying stopped: Duplicate entry '1' for key 'PRIMARY'").build();
        Router router = router(EndpointRole.READER, false, List.of(), topology);
        for (int i = 0; i < 6; i++) {
            assertEquals("pg2", ((Route.To) router.route()).instance().name());
        }
        Topology onlyStopped = Topologies.of("c", 1).primary("pg1").stoppedReplica("pg2", "receiving stopped: x")
                .build();
        assertInstanceOf(Route.Unavailable.class, router(EndpointRole.READER, false, List.of(), onlyStopped).route());
        assertEquals("pg1", ((Route.To) router(EndpointRole.READER, true, List.of(), onlyStopped).route())
                .instance().name(), "falls back to the writer where allowed");
    }

    @Test
    void readerFallsBackToTheWriterOnlyWhenAllowed() {
        Topology noReplicas = Topologies.of("c", 1).primary("pg1").replica("pg2", 60_000).build();
        assertInstanceOf(Route.Unavailable.class, router(EndpointRole.READER, false, List.of(), noReplicas).route());
        Route.To to = assertInstanceOf(Route.To.class,
                router(EndpointRole.READER, true, List.of(), noReplicas).route());
        assertEquals("pg1", to.instance().name());
    }

    @Test
    void leastConnectionsPrefersTheEmptiestReplica() {
        Topology t = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).replica("pg3", 0).build();
        EndpointConfig endpoint = new EndpointConfig("r", EndpointRole.READER, null, 1, Balance.LEAST_CONNECTIONS,
                Duration.ofSeconds(1), false, List.of());
        Router router = new Router(endpoint, new TopologyHolder(t), counts);
        try (ConnectionCounts.Lease a = counts.acquire("pg2"); ConnectionCounts.Lease b = counts.acquire("pg2")) {
            for (int i = 0; i < 5; i++) {
                assertEquals("pg3", ((Route.To) router.route()).instance().name());
            }
        }
        assertEquals(0, counts.open("pg2"));
    }

    @Test
    void customAndInstanceEndpointsUseOnlyTheirHealthyInstances() {
        Topology t = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).add("pg3", Role.DOWN, 0).build();
        Route.To to = assertInstanceOf(Route.To.class, router(EndpointRole.CUSTOM, false, List.of("pg2", "pg3"), t)
                .route());
        assertEquals("pg2", to.instance().name());
        assertInstanceOf(Route.Unavailable.class, router(EndpointRole.INSTANCE, false, List.of("pg3"), t).route());
    }

    @Test
    void routingFollowsThePublishedSnapshot() {
        TopologyHolder holder = new TopologyHolder(Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build());
        EndpointConfig writer = new EndpointConfig("w", EndpointRole.WRITER, null, 1, Balance.ROUND_ROBIN,
                Duration.ofSeconds(1), false, List.of());
        Router router = new Router(writer, holder, counts);
        assertEquals("pg1", ((Route.To) router.route()).instance().name());
        holder.publish(Topologies.of("c", 2).add("pg1", Role.DOWN, 0).primary("pg2").build(), "test");
        assertEquals("pg2", ((Route.To) router.route()).instance().name());
    }

    private Router router(EndpointRole role, boolean fallback, List<String> instances, Topology topology) {
        EndpointConfig endpoint = new EndpointConfig("e", role, null, 1, Balance.ROUND_ROBIN, Duration.ofSeconds(1),
                fallback, instances);
        return new Router(endpoint, new TopologyHolder(topology), counts);
    }

    @Test
    void writerAsksSessionsToWaitOnlyWhileAFailoverIsUnderWay() {
        TopologyHolder holder = new TopologyHolder(Topologies.of("c", 1).add("pg1", Role.DOWN, 0)
                .replica("pg2", 0).build());
        EndpointConfig writer = new EndpointConfig("w", EndpointRole.WRITER, null, 1, Balance.ROUND_ROBIN,
                Duration.ofSeconds(1), false, List.of());
        Router router = new Router(writer, holder, counts);
        assertInstanceOf(Route.Unavailable.class, router.route());
        io.auriga.core.topology.FailoverState steady = holder.failoverState();
        io.auriga.core.topology.FailoverState promoting = new io.auriga.core.topology.FailoverState(
                io.auriga.core.topology.FailoverState.Phase.PROMOTING, "pg1", "pg2", 1, steady.since(), null, null,
                null);
        holder.moveFailoverState(steady, promoting);
        assertEquals("primary pg1 was lost; promoting pg2", assertInstanceOf(Route.Wait.class, router.route())
                .reason());
        holder.moveFailoverState(promoting, promoting.ended());
        assertInstanceOf(Route.Unavailable.class, router.route());
    }
}
