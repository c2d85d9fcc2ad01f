package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * the proxy's direct memory staying small, values larger than one 16 MiB packet both ways, and a
 * driver that compresses (the compressed protocol ends at the proxy).
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
    void aCompressingDriverRunsQueriesLargeResultsAndPreparedStatements(ProxiedMariaDb cluster) throws Exception {
        try (Connection c = cluster.mariadb(cluster.writerPort(),
                "useCompression=true&useServerPrepStmts=true&maxAllowedPacket=134217728");
             Statement st = c.createStatement()) {
            assertTrue(c.unwrap(org.mariadb.jdbc.Connection.class).getContext().hasClientCapability(32),
                    "CLIENT_COMPRESS was negotiated");
            long rows = 0;
            try (ResultSet rs = st.executeQuery("SELECT seq, REPEAT(CHAR(65 + seq % 26), 1000) FROM seq_1_to_30000")) {
                while (rs.next()) {
                    rows++;
                    assertEquals(String.valueOf((char) (65 + rs.getLong(1) % 26)).repeat(1000), rs.getString(2));
                }
            }
            assertEquals(30_000, rows);
            st.execute("CREATE TEMPORARY TABLE compressed (id INT PRIMARY KEY, v TEXT)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO compressed VALUES (?, ?)")) {
                for (int i = 0; i < 100; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "v" + i + "-".repeat(i * 10));
                    assertEquals(1, ps.executeUpdate());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT v FROM compressed WHERE id = ?")) {
                ps.setInt(1, 42);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("v42" + "-".repeat(420), rs.getString(1));
                }
            }
            // Larger than one packet both ways, compressible (Connector/J cannot frame a 16 MiB piece that
            // zlib makes larger, nor can a server read it).
            byte[] blob = "0123456789abcdef".repeat(20 << 16).getBytes();
            st.execute("CREATE TEMPORARY TABLE compressed_big (b LONGBLOB)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO compressed_big VALUES (?)")) {
                ps.setBytes(1, blob);
                assertEquals(1, ps.executeUpdate());
            }
            try (ResultSet rs = st.executeQuery("SELECT b, MD5(b) = MD5(REPEAT('0123456789abcdef', 20 << 16)) "
                    + "FROM compressed_big")) {
                assertTrue(rs.next());
                assertArrayEquals(blob, rs.getBytes(1));
                assertTrue(rs.getBoolean(2), "the server holds what the client sent");
            }
            SQLException missing = assertThrows(SQLException.class, () -> st.executeQuery("SELECT * FROM no_such"));
            assertEquals(1146, missing.getErrorCode(), missing.getMessage());
            try (ResultSet rs = st.executeQuery("SELECT 'after'")) {
                assertTrue(rs.next());
            }
        }
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
