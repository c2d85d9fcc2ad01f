package io.auriga.mysql.frontend;

import io.auriga.core.topology.InstanceState;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out the connection ids the proxy puts in its Handshake v10 and maps each to the backend
 * connection currently serving it, so {@code KILL [QUERY] id} arriving on any endpoint reaches the
 * right thread of the right instance. The proxy issues its own ids: two instances may use the same
 * thread id, and a session's backend may change.
 *
 * <p>The ids come from the upper half of the handshake's 4-byte range, {@value #MIN_ID} to {@value
 * #MAX_ID}, which a server reaches only after 2^31 connections since it started (MariaDB and MySQL
 * number threads from 1): a proxy id that reaches a server unchanged (a KILL the proxy never saw
 * whole) names no thread there, so it fails as "Unknown thread id" instead of ending another
 * connection.
 */
public final class ConnectionRegistry {
    static final long MIN_ID = 0x8000_0000L;
    static final long MAX_ID = 0xFFFF_FFFFL;

    private final Map<Long, Target> targets = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(MIN_ID);

    /** The backend thread a proxy connection id stands for. */
    public record Target(InstanceState instance, long threadId) {
    }

    /** A new connection id, unsigned 32-bit in the upper half, skipping ids still in use after a wrap. */
    public long newId() {
        while (true) {
            long id = next.getAndUpdate(n -> n >= MAX_ID ? MIN_ID : n + 1);
            if (!targets.containsKey(id)) {
                return id;
            }
        }
    }

    public void register(long id, Target target) {
        targets.put(id, target);
    }

    public void unregister(long id) {
        targets.remove(id);
    }

    public Optional<Target> target(long id) {
        return Optional.ofNullable(targets.get(id));
    }
}
