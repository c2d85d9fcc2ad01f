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

    public TopologyHolder(Topology initial) {
        this.current = new AtomicReference<>(initial);
    }

    public Topology current() {
        return current.get();
    }

    public String cluster() {
        return current.get().cluster();
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
