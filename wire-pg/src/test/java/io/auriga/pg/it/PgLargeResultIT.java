package io.auriga.pg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import java.io.OutputStream;
import java.sql.Connection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;

/**
 * A gigabyte streamed through the writer endpoint to a reader slower than the database: the proxy
 * must pause the backend rather than buffer, so its direct memory stays small throughout.
 */
@ExtendWith(ProxiedCluster.Extension.class)
class PgLargeResultIT {
    private static final long ROWS = 1_000_000;
    private static final int ROW_WIDTH = 1000;
    private static final long MEMORY_LIMIT = 64L << 20;

    @Test
    void aGigabyteReachesASlowReaderWithBoundedProxyMemory(ProxiedCluster cluster) throws Exception {
        long baseline = PlatformDependent.usedDirectMemory();
        AtomicLong peak = new AtomicLong(baseline);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max),
                0, 20, TimeUnit.MILLISECONDS);
        SlowSink sink = new SlowSink();
        try (Connection c = cluster.writer()) {
            long rows = c.unwrap(PGConnection.class).getCopyAPI().copyOut(
                    "COPY (SELECT repeat('x', " + (ROW_WIDTH - 1) + ") FROM generate_series(1, " + ROWS
                            + ")) TO STDOUT", sink);
            assertEquals(ROWS, rows);
        } finally {
            sampler.shutdownNow();
        }
        assertEquals(ROWS * ROW_WIDTH, sink.bytes, "every byte arrived");
        assertTrue(baseline >= 0, "Netty tracks its direct memory in this JVM");
        long grown = peak.get() - baseline;
        assertTrue(grown < MEMORY_LIMIT, "proxy direct memory grew by " + (grown >> 20) + " MiB while relaying");
    }

    /** Consumes slower than PostgreSQL produces, so backpressure must reach the backend. */
    private static final class SlowSink extends OutputStream {
        private long bytes;
        private long sinceNap;

        @Override
        public void write(int b) {
            count(1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count(len);
        }

        private void count(int n) {
            bytes += n;
            sinceNap += n;
            if (sinceNap >= (1 << 20)) {
                sinceNap = 0;
                try {
                    Thread.sleep(4);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
