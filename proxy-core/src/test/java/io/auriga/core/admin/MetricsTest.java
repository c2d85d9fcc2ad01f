package io.auriga.core.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void sameObjectForTheSameEndpoint() {
        Metrics metrics = new Metrics();
        assertSame(metrics.endpoint("main", "writer"), metrics.endpoint("main", "writer"));
        assertTrue(metrics.endpoint("main", "writer") != metrics.endpoint("shop", "writer"));
    }

    @Test
    void countsFromManyThreads() {
        Metrics metrics = new Metrics();
        EndpointMetrics writer = metrics.endpoint("main", "writer");
        IntStream.range(0, 10_000).parallel().forEach(i -> {
            writer.clientConnected();
            writer.relayedFromClient(2);
            writer.clientDisconnected();
        });
        assertEquals(10_000, writer.connectionsTotal());
        assertEquals(0, writer.connectionsActive());
        assertEquals(20_000, writer.bytesFromClients());
    }

    @Test
    void rendersCountersWithHelpAndType() {
        Metrics metrics = new Metrics();
        EndpointMetrics writer = metrics.endpoint("main", "writer");
        writer.clientConnected();
        writer.clientConnected();
        writer.clientDisconnected();
        writer.authFailed();
        writer.backendConnectFailed();
        writer.backendReused();
        writer.backendReused();
        writer.relayedFromClient(100);
        writer.relayedToClient(2500);
        metrics.endpoint("main", "reader");

        List<String> lines = metrics.render(List.of()).lines().toList();

        assertTrue(lines.contains("# HELP auriga_client_connections_total Client connections accepted by the endpoint."));
        assertTrue(lines.contains("# TYPE auriga_client_connections_total counter"));
        assertTrue(lines.contains("auriga_client_connections_total{cluster=\"main\",endpoint=\"writer\"} 2"));
        assertTrue(lines.contains("auriga_client_connections_total{cluster=\"main\",endpoint=\"reader\"} 0"));
        assertTrue(lines.contains("# TYPE auriga_client_connections_active gauge"));
        assertTrue(lines.contains("auriga_client_connections_active{cluster=\"main\",endpoint=\"writer\"} 1"));
        assertTrue(lines.contains("auriga_auth_failures_total{cluster=\"main\",endpoint=\"writer\"} 1"));
        assertTrue(lines.contains("auriga_backend_connect_failures_total{cluster=\"main\",endpoint=\"writer\"} 1"));
        assertTrue(lines.contains("auriga_backend_reused_total{cluster=\"main\",endpoint=\"writer\"} 2"));
        assertTrue(lines.contains(
                "auriga_bytes_total{cluster=\"main\",endpoint=\"writer\",direction=\"client_to_backend\"} 100"));
        assertTrue(lines.contains(
                "auriga_bytes_total{cluster=\"main\",endpoint=\"writer\",direction=\"backend_to_client\"} 2500"));
        assertEquals(1, lines.stream().filter(l -> l.startsWith("# TYPE auriga_bytes_total ")).count(),
                "one TYPE line per family");
        // Families must not interleave: reader's sample follows writer's within the same family.
        int readerLine = lines.indexOf("auriga_client_connections_total{cluster=\"main\",endpoint=\"reader\"} 0");
        int writerLine = lines.indexOf("auriga_client_connections_total{cluster=\"main\",endpoint=\"writer\"} 2");
        assertEquals(writerLine - 1, readerLine, "sorted by endpoint name");
    }

    @Test
    void rendersGaugesFromTopologies() {
        String text = new Metrics().render(List.of(Topologies.main(), Topologies.shop()));
        List<String> lines = text.lines().toList();

        assertTrue(lines.contains("# TYPE auriga_topology_epoch gauge"));
        assertTrue(lines.contains("auriga_topology_epoch{cluster=\"main\"} 3"));
        assertTrue(lines.contains("auriga_topology_epoch{cluster=\"shop\"} 1"));
        assertTrue(lines.contains("auriga_instance_up{cluster=\"main\",instance=\"pg1\",role=\"primary\"} 1"));
        assertTrue(lines.contains("auriga_instance_up{cluster=\"main\",instance=\"pg2\",role=\"replica\"} 1"));
        assertTrue(lines.contains("auriga_instance_up{cluster=\"main\",instance=\"pg3\",role=\"down\"} 0"));
        assertTrue(lines.contains("auriga_instance_lag_seconds{cluster=\"main\",instance=\"pg2\"} 0.042"));
        assertTrue(text.endsWith("\n"));
    }

    @Test
    void escapesLabelValuesAndHelp() {
        assertEquals("a\\\"b\\\\c\\nd", PrometheusText.escapeLabelValue("a\"b\\c\nd"));
        assertEquals("plain", PrometheusText.escapeLabelValue("plain"));
        assertEquals("say \"hi\"\\\\\\n", PrometheusText.escapeHelp("say \"hi\"\\\n"));

        Metrics metrics = new Metrics();
        metrics.endpoint("we\"ird", "back\\slash").clientConnected();
        Topology odd = new Topology("multi\nline", io.auriga.config.Engine.POSTGRES, 1,
                List.of(Topologies.instance("pg1", 1, Role.PRIMARY, 0, 0, null)), Topologies.AT);
        String text = metrics.render(List.of(odd));

        assertTrue(text.contains("auriga_client_connections_total{cluster=\"we\\\"ird\",endpoint=\"back\\\\slash\"} 1"), text);
        assertTrue(text.contains("auriga_topology_epoch{cluster=\"multi\\nline\"} 1"), text);
    }
}
