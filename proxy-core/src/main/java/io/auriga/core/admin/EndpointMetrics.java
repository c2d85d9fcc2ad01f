package io.auriga.core.admin;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one endpoint. The proxy looks this object up once per endpoint, keeps it, and
 * calls its methods on the hot path: each is one {@link LongAdder} update, which does not
 * contend between event loops the way a shared atomic would.
 */
public final class EndpointMetrics {
    private final String cluster;
    private final String endpoint;
    private final LongAdder connectionsTotal = new LongAdder();
    private final LongAdder connectionsActive = new LongAdder();
    private final LongAdder backendConnectFailures = new LongAdder();
    private final LongAdder backendsReused = new LongAdder();
    private final LongAdder authFailures = new LongAdder();
    private final LongAdder bytesClientToBackend = new LongAdder();
    private final LongAdder bytesBackendToClient = new LongAdder();

    EndpointMetrics(String cluster, String endpoint) {
        this.cluster = cluster;
        this.endpoint = endpoint;
    }

    public String cluster() {
        return cluster;
    }

    public String endpoint() {
        return endpoint;
    }

    /** A client connection was accepted; pair with exactly one {@link #clientDisconnected()}. */
    public void clientConnected() {
        connectionsTotal.increment();
        connectionsActive.increment();
    }

    /** A client connection accepted by {@link #clientConnected()} closed, for whatever reason. */
    public void clientDisconnected() {
        connectionsActive.decrement();
    }

    /** Opening or logging in to a backend connection for a client failed. */
    public void backendConnectFailed() {
        backendConnectFailures.increment();
    }

    /** A client was given a backend connection an earlier client had left, instead of a new one. */
    public void backendReused() {
        backendsReused.increment();
    }

    /** A client failed to authenticate to the proxy. */
    public void authFailed() {
        authFailures.increment();
    }

    /** Bytes relayed from a client to its backend. */
    public void relayedFromClient(long bytes) {
        bytesClientToBackend.add(bytes);
    }

    /** Bytes relayed from a backend to its client. */
    public void relayedToClient(long bytes) {
        bytesBackendToClient.add(bytes);
    }

    public long connectionsTotal() {
        return connectionsTotal.sum();
    }

    public long connectionsActive() {
        return connectionsActive.sum();
    }

    public long backendConnectFailures() {
        return backendConnectFailures.sum();
    }

    public long backendsReused() {
        return backendsReused.sum();
    }

    public long authFailures() {
        return authFailures.sum();
    }

    public long bytesFromClients() {
        return bytesClientToBackend.sum();
    }

    public long bytesToClients() {
        return bytesBackendToClient.sum();
    }
}
