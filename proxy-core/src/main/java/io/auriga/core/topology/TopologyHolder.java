package io.auriga.core.topology;

import java.time.Clock;
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
    private final WriterGate writerGate;
    private final AtomicReference<FailoverState> state;
    private volatile Consumer<String> suspicion = name -> { };
    private final List<Consumer<String>> staleSessions = new CopyOnWriteArrayList<>();

    public TopologyHolder(Topology initial) {
        this(initial, Clock.systemUTC());
    }

    /** @param clock measures how long the writer gate waits for sessions to drain */
    public TopologyHolder(Topology initial, Clock clock) {
        this.writerGate = new WriterGate(clock);
        this.current = new AtomicReference<>(initial);
        this.state = new AtomicReference<>(FailoverState.steady(initial.at()));
    }

    public Topology current() {
        return current.get();
    }

    /** The current snapshot with the failover under way, if any, for display (the admin API). */
    public Topology withFailover() {
        String description = failover();
        Topology now = current.get();
        return description == null ? now : now.withFailover(description);
    }

    public String cluster() {
        return current.get().cluster();
    }

    /** Where the cluster's failover or switchover stands; {@link FailoverState.Phase#STEADY} when none runs. */
    public FailoverState failoverState() {
        return state.get();
    }

    /**
     * Replaces the failover state with {@code next} if it still is {@code expected}. Only the
     * failover's transition table (the orchestrator) moves it, and the pending mark of {@link #publish}.
     *
     * @return false when the state had moved on meanwhile
     */
    public boolean moveFailoverState(FailoverState expected, FailoverState next) {
        return state.compareAndSet(expected, next);
    }

    /** What the failover under way does, or null when none is (writer routing then fails instead of waiting). */
    public String failover() {
        return state.get().failover();
    }

    /** What the switchover under way does, or null when none is. */
    public String switchover() {
        return state.get().switchover();
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

    /** Stops telling {@code listener}; one that waited for a single change removes itself after it. */
    public void removeListener(Consumer<TopologyChange> listener) {
        listeners.remove(listener);
    }

    /**
     * Publishes {@code next} and tells every listener; only the monitor calls this. A snapshot that
     * loses the primary while no operation runs is published with the failover state moved to
     * {@link FailoverState.Phase#PRIMARY_LOST}, so a writer session that reads it before the listeners
     * have run (the orchestrator among them, which decides from there) waits instead of being refused;
     * if no listener moves the state on, it returns to what it was.
     */
    public void publish(Topology next, String reason) {
        FailoverState steady = state.get();
        FailoverState pending = null;
        if (steady.phase() == FailoverState.Phase.STEADY && current.get().primary().isPresent()
                && next.primary().isEmpty()) {
            String lost = current.get().primary().get().name();
            pending = new FailoverState(FailoverState.Phase.PRIMARY_LOST, lost, null, current.get().epoch(),
                    next.at(), null, null, steady.fenced());
            if (!state.compareAndSet(steady, pending)) {
                pending = null;
            }
        }
        Topology before = current.getAndSet(next);
        TopologyChange change = new TopologyChange(before, next, reason);
        try {
            for (Consumer<TopologyChange> listener : listeners) {
                listener.accept(change);
            }
        } finally {
            if (pending != null) {
                state.compareAndSet(pending, steady);
            }
        }
    }
}
