package io.auriga.core.net;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The process's client connections against {@code server.max-connections}, and per address those
 * that have not logged in yet against {@code server.max-startup-per-address}. One instance serves
 * every endpoint; it is called from every event loop, so it counts with atomics and never locks.
 *
 * <p>Every connection costs a descriptor before it has proven anything, and a session another one
 * for its backend. Without a bound, idle unauthenticated connections used up the descriptor limit:
 * accepting then failed, new logins hung unanswered and every endpoint stalled. A refusal at accept
 * costs nothing and tells the client why.
 */
public final class ConnectionLimits {
    /** Why a connection is not admitted, or that it is. */
    public enum Admission { ADMITTED, TOO_MANY, TOO_MANY_FROM_ADDRESS }

    private final int maxConnections;
    private final int maxStartupPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    /** Per address, its connections in startup; an address with none has no entry. */
    private final ConcurrentHashMap<InetAddress, Integer> inStartup = new ConcurrentHashMap<>();

    public ConnectionLimits(int maxConnections, int maxStartupPerAddress) {
        if (maxConnections < 1 || maxStartupPerAddress < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxConnections + ", "
                    + maxStartupPerAddress);
        }
        this.maxConnections = maxConnections;
        this.maxStartupPerAddress = maxStartupPerAddress;
    }

    /**
     * Counts a new connection from {@code address}, in startup, if both limits allow it; a refused
     * connection is not counted and needs no {@link #closed}.
     */
    public Admission admit(InetAddress address) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return Admission.TOO_MANY;
        }
        boolean[] full = new boolean[1];
        inStartup.compute(address, (a, count) -> {
            int n = count == null ? 0 : count;
            full[0] = n >= maxStartupPerAddress;
            return full[0] ? count : n + 1;
        });
        if (full[0]) {
            open.decrementAndGet();
            return Admission.TOO_MANY_FROM_ADDRESS;
        }
        return Admission.ADMITTED;
    }

    /** An admitted connection from {@code address} has logged in. */
    public void loggedIn(InetAddress address) {
        leaveStartup(address);
    }

    /** An admitted connection closed; {@code inStartup} when it had not logged in. */
    public void closed(InetAddress address, boolean inStartup) {
        if (inStartup) {
            leaveStartup(address);
        }
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }

    public int inStartup(InetAddress address) {
        return inStartup.getOrDefault(address, 0);
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxStartupPerAddress() {
        return maxStartupPerAddress;
    }

    // The entry goes when its count reaches zero, so that addresses seen once do not pile up.
    private void leaveStartup(InetAddress address) {
        inStartup.computeIfPresent(address, (a, count) -> count <= 1 ? null : count - 1);
    }
}
