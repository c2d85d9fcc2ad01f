package io.auriga.core.admin;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;
import java.util.function.ToLongFunction;

/**
 * The proxy's metrics registry, rendered at {@code GET /metrics}.
 *
 * <p>Counters live in {@link EndpointMetrics}, one per endpoint of a cluster; the proxy asks for
 * them once when an endpoint starts and keeps the reference, so the hot path never touches this
 * map. Endpoints are labelled by cluster as well as by name because clusters routinely reuse the
 * names {@code writer} and {@code reader}. Instance and epoch gauges are not stored: they are
 * derived from the topology snapshots at scrape time, so they can never disagree with
 * {@code /topology}.
 */
public final class Metrics {
    private final ConcurrentMap<String, EndpointMetrics> endpoints = new ConcurrentHashMap<>();

    /** The counters of one endpoint, created on first use; the same object for the same names. */
    public EndpointMetrics endpoint(String cluster, String endpoint) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(endpoint, "endpoint");
        // '\n' cannot occur in configured names, so the key is unambiguous.
        return endpoints.computeIfAbsent(cluster + '\n' + endpoint, k -> new EndpointMetrics(cluster, endpoint));
    }

    /** Every endpoint's counters, ordered by cluster then endpoint so output is stable. */
    public List<EndpointMetrics> endpoints() {
        return endpoints.values().stream()
                .sorted(Comparator.comparing(EndpointMetrics::cluster).thenComparing(EndpointMetrics::endpoint))
                .toList();
    }

    /** The Prometheus text exposition of every counter plus gauges derived from the topologies. */
    public String render(List<Topology> topologies) {
        PrometheusText text = new PrometheusText();
        List<EndpointMetrics> all = endpoints();
        counter(text, all, "auriga_client_connections_total", "counter",
                "Client connections accepted by the endpoint.", EndpointMetrics::connectionsTotal);
        counter(text, all, "auriga_client_connections_active", "gauge",
                "Client connections currently open on the endpoint.", EndpointMetrics::connectionsActive);
        counter(text, all, "auriga_backend_connect_failures_total", "counter",
                "Failures to open or log in to a backend connection for a client.",
                EndpointMetrics::backendConnectFailures);
        counter(text, all, "auriga_backend_reused_total", "counter",
                "Clients given a backend connection an earlier client left, instead of a new one.",
                EndpointMetrics::backendsReused);
        counter(text, all, "auriga_auth_failures_total", "counter",
                "Clients that failed to authenticate to the proxy.", EndpointMetrics::authFailures);
        text.family("auriga_bytes_total", "counter",
                "Bytes relayed between clients and backends, by direction.");
        for (EndpointMetrics m : all) {
            text.sample("auriga_bytes_total", m.bytesFromClients(), "cluster", m.cluster(), "endpoint", m.endpoint(),
                    "direction", "client_to_backend");
            text.sample("auriga_bytes_total", m.bytesToClients(), "cluster", m.cluster(), "endpoint", m.endpoint(),
                    "direction", "backend_to_client");
        }
        renderTopologies(text, topologies);
        return text.toString();
    }

    private static void counter(PrometheusText text, List<EndpointMetrics> all, String name, String type,
                                String help, ToLongFunction<EndpointMetrics> value) {
        text.family(name, type, help);
        for (EndpointMetrics m : all) {
            text.sample(name, value.applyAsLong(m), "cluster", m.cluster(), "endpoint", m.endpoint());
        }
    }

    private static void renderTopologies(PrometheusText text, List<Topology> topologies) {
        text.family("auriga_topology_epoch", "gauge",
                "Epoch of the cluster's topology; grows with every change of primary.");
        for (Topology t : topologies) {
            text.sample("auriga_topology_epoch", t.epoch(), "cluster", t.cluster());
        }
        text.family("auriga_instance_up", "gauge",
                "1 when the instance takes traffic in its observed role (primary or replica), else 0.");
        forEachInstance(topologies, (t, i) -> text.sample("auriga_instance_up", i.isRoutable() ? 1 : 0,
                "cluster", t.cluster(), "instance", i.name(), "role", i.role().wireName()));
        text.family("auriga_instance_lag_seconds", "gauge",
                "How far a replica's replay trails the primary, in seconds; absent when unknown.");
        forEachInstance(topologies, (t, i) -> {
            if (i.role() == Role.REPLICA && i.lagMillis() >= 0) {
                text.sample("auriga_instance_lag_seconds", BigDecimal.valueOf(i.lagMillis(), 3).toPlainString(),
                        "cluster", t.cluster(), "instance", i.name());
            }
        });
    }

    private static void forEachInstance(List<Topology> topologies,
                                        BiConsumer<Topology, InstanceState> action) {
        for (Topology t : topologies) {
            for (InstanceState i : t.instances()) {
                action.accept(t, i);
            }
        }
    }
}
