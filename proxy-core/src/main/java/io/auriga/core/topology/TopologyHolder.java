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
    private final WriterGate writerGate = new WriterGate();
    private static final String DECIDING = "the primary was lost; deciding on a failover";
    private volatile String failover;
    private volatile String switchover;
    private volatile Consumer<String> suspicion = name -> { };
    private final List<Consumer<String>> staleSessions = new CopyOnWriteArrayList<>();

    public TopologyHolder(Topology initial) {
        this.current = new AtomicReference<>(initial);
    }

    public Topology current() {
        return current.get();
    }

    /** The current snapshot with the failover under way, if any, for display (the admin API). */
    public Topology withFailover() {
        String description = failover;
        Topology now = current.get();
        return description == null ? now : now.withFailover(description);
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

    /**
     * Marks a switchover as under way: {@code /topology} shows it, and while no instance is the
     * primary writer routing asks sessions to wait instead of failing.
     */
    public void beginSwitchover(String description) {
        switchover = description;
    }

    public void endSwitchover() {
        switchover = null;
    }

    /** What the switchover under way does, or null when none is. */
    public String switchover() {
        return switchover;
    }

    /** Holds writer sessions at transaction boundaries during a switchover. */
    public WriterGate writerGate() {
        return writerGate;
    }

    /** Who is told when a session finds an instance's connection broken (the monitor, to probe at once). */
    public void onSuspect(Consumer<String> listener) {
        suspicion = listener;
    }

    /** A session lost its connection to {@code instance}: worth probing now rather than at the next interval. */
    public void suspect(String instance) {
        suspicion.accept(instance);
    }

    /**
     * Who is told when backend sessions opened until now would differ from a new one (the pools of
     * kept backend connections, which close theirs).
     */
    public void onStaleSessions(Consumer<String> listener) {
        staleSessions.add(listener);
    }

    /**
     * A new backend session would start differently from those opened until now: defaults set for a
     * role or a database changed (the monitor saw it), or a client is about to change them, or to drop
     * or rename a database, which open sessions would block.
     */
    public void staleSessions(String why) {
        staleSessions.forEach(listener -> listener.accept(why));
    }

    public void addListener(Consumer<TopologyChange> listener) {
        listeners.add(listener);
    }

    /**
     * Publishes {@code next} and tells every listener; only the monitor calls this. A snapshot that
     * loses the primary is published with a failover marked as pending, so a writer session that
     * reads it before the listeners have run (the orchestrator among them, which marks the failover
     * it starts) waits instead of being refused; if no listener starts one, the mark is lifted.
     */
    public void publish(Topology next, String reason) {
        boolean lostPrimary = failover == null && current.get().primary().isPresent() && next.primary().isEmpty();
        if (lostPrimary) {
            failover = DECIDING;
        }
        Topology before = current.getAndSet(next);
        TopologyChange change = new TopologyChange(before, next, reason);
        try {
            for (Consumer<TopologyChange> listener : listeners) {
                listener.accept(change);
            }
        } finally {
            if (lostPrimary && DECIDING.equals(failover)) {
                failover = null;
            }
        }
    }
}
