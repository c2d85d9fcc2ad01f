package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Large data through the writer endpoint: 200 MB streamed to a reader slower than the database with
 * the proxy's direct memory staying small, and values larger than one 16 MiB packet both ways.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlLargeResultIT {
    private static final int ROWS = 200_000;
    private static final int ROW_WIDTH = 1000;
    private static final long MEMORY_LIMIT = 64L << 20;

    @Test
    void twoHundredMegabytesReachASlowReaderWithBoundedProxyMemory(ProxiedMariaDb cluster) throws Exception {
        long baseline = PlatformDependent.usedDirectMemory();
        AtomicLong peak = new AtomicLong(baseline);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max),
                0, 20, TimeUnit.MILLISECONDS);
        long bytes = 0;
        long rows = 0;
        long sinceNap = 0;
        try (Connection c = cluster.mariadb(cluster.writerPort(), ""); Statement st = c.createStatement()) {
            st.setFetchSize(1000);
            try (ResultSet rs = st.executeQuery("SELECT REPEAT('x', " + ROW_WIDTH + ") FROM seq_1_to_" + ROWS)) {
                while (rs.next()) {
                    int n = rs.getString(1).length();
                    rows++;
                    bytes += n;
                    sinceNap += n;
                    if (sinceNap >= (1 << 20)) {
                        sinceNap = 0;
                        Thread.sleep(10);
                    }
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT 'still here'")) {
                assertTrue(rs.next());
            }
        } finally {
            sampler.shutdownNow();
        }
        assertEquals(ROWS, rows);
        assertEquals((long) ROWS * ROW_WIDTH, bytes, "every byte arrived");
        assertTrue(baseline >= 0, "Netty tracks its direct memory in this JVM");
        long grown = peak.get() - baseline;
        assertTrue(grown < MEMORY_LIMIT, "proxy direct memory grew by " + (grown >> 20) + " MiB while relaying");
    }

    @Test
    void valuesLargerThanOnePacketTravelBothWays(ProxiedMariaDb cluster) throws Exception {
        byte[] blob = new byte[20 << 20];
        new Random(7).nextBytes(blob);
        for (String prep : new String[] {"useServerPrepStmts=false", "useServerPrepStmts=true"}) {
            try (Connection c = cluster.mariadb(cluster.writerPort(), prep + "&maxAllowedPacket=134217728");
                 Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS big (id INT PRIMARY KEY, b LONGBLOB)");
                st.execute("DELETE FROM big");
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO big VALUES (1, ?)")) {
                    ps.setBytes(1, blob);
                    assertEquals(1, ps.executeUpdate());
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT b, LENGTH(b) FROM big WHERE id = ?")) {
                    ps.setInt(1, 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next());
                        assertEquals(blob.length, rs.getLong(2));
                        assertArrayEquals(blob, rs.getBytes(1), prep);
                    }
                }
                try (ResultSet rs = st.executeQuery("SELECT 'after'")) {
                    assertTrue(rs.next());
                }
            }
        }
    }
}
