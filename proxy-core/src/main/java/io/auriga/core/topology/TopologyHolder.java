package io.auriga.core.topology;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The current topology of one cluster: an atomic reference readers never block on, plus
 * listeners told of every swap with before, after and the reason.
 */
public final class TopologyHolder {
    private final AtomicReference<Topology> current;
    private final List<Consumer<TopologyChange>> listeners = new CopyOnWriteArrayList<>();
    private volatile String failover;

    public TopologyHolder(Topology initial) {
        this.current = new AtomicReference<>(initial);
    }

    public Topology current() {
        return current.get();
    }

    public String cluster() {
        return current.get().cluster();
    }

    /** Marks a failover as under way; writer routing then asks sessions to wait instead of failing. */
    public void beginFailover(String description) {
        failover = description;
    }

    public void endFailover() {
        failover = null;
    }

    /** What the failover under way does, or null when none is. */
    public String failover() {
        return failover;
    }

    public void addListener(Consumer<TopologyChange> listener) {
        listeners.add(listener);
    }

    /** Publishes {@code next} and tells every listener; only the monitor calls this. */
    public void publish(Topology next, String reason) {
        Topology before = current.getAndSet(next);
        TopologyChange change = new TopologyChange(before, next, reason);
        for (Consumer<TopologyChange> listener : listeners) {
            listener.accept(change);
        }
    }
}
