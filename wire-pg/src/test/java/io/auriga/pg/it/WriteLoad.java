package io.auriga.pg.it;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Autocommit INSERTs of increasing ids through the writer endpoint on one thread, reconnecting after
 * an error, recording every id whose INSERT was acknowledged. An id whose outcome is unknown (the
 * connection broke with the statement in flight) is not recorded.
 */
final class WriteLoad implements AutoCloseable {
    private final ProxiedCluster cluster;
    private final String table;
    private final Set<Long> acked = ConcurrentHashMap.newKeySet();
    private final AtomicInteger errors = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    WriteLoad(ProxiedCluster cluster, String table) {
        this.cluster = cluster;
        this.table = table;
        this.thread = new Thread(this::run, "it-write-load");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long id = 0;
        while (running.get()) {
            try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
                st.setQueryTimeout(30);
                while (running.get()) {
                    long next = ++id;
                    st.execute("INSERT INTO " + table + " (id) VALUES (" + next + ")");
                    acked.add(next);
                    Thread.sleep(2);
                }
            } catch (SQLException e) {
                errors.incrementAndGet();
                ProxiedCluster.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Ids acknowledged so far (a copy). */
    Set<Long> acked() {
        return Set.copyOf(acked);
    }

    int ackedCount() {
        return acked.size();
    }

    int errors() {
        return errors.get();
    }

    /** Waits until {@code more} further ids are acknowledged, at most {@code millis}; true when they were. */
    boolean awaitMore(int more, long millis) {
        int target = acked.size() + more;
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (acked.size() < target && System.nanoTime() < deadline) {
            ProxiedCluster.sleep(20);
        }
        return acked.size() >= target;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(40_000);
    }
}
