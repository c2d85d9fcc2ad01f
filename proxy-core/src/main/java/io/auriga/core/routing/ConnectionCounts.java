package io.auriga.core.routing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Open backend sessions per instance of one cluster, shared by all its endpoints. */
public final class ConnectionCounts {
    private final Map<String, AtomicLong> open = new ConcurrentHashMap<>();

    public long open(String instance) {
        AtomicLong n = open.get(instance);
        return n == null ? 0 : n.get();
    }

    /** Counts a session on {@code instance}; the returned handle un-counts it once, when closed. */
    public Lease acquire(String instance) {
        AtomicLong n = open.computeIfAbsent(instance, k -> new AtomicLong());
        n.incrementAndGet();
        return new Lease(n);
    }

    /** One counted session. */
    public static final class Lease implements AutoCloseable {
        private AtomicLong counter;

        private Lease(AtomicLong counter) {
            this.counter = counter;
        }

        @Override
        public void close() {
            if (counter != null) {
                counter.decrementAndGet();
                counter = null;
            }
        }
    }
}
