package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.EndpointConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.testing.ExtraProxy;
import io.auriga.pg.engine.PgEngineSupport;
import io.auriga.sandbox.pg.PgSandbox;
import io.auriga.sandbox.pg.SandboxCluster;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A reader endpoint that falls back to the primary (no replica is eligible) stays read-only for
 * every user: the statements that would lift read-only are refused with 25006, and no write
 * reaches the primary. A hot standby refuses most of them itself; a primary would not.
 */
@ExtendWith(ProxiedCluster.Extension.class)
class PgReaderReadOnlyIT {
    /** Every spelling a client has to lift read-only, one statement each. */
    private static final List<String> LIFTING = List.of(
            "SET default_transaction_read_only = off",
            "SET SESSION default_transaction_read_only TO 'false'",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
            "BEGIN READ WRITE",
            "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE",
            "SET TRANSACTION READ WRITE",
            "SET transaction_read_only = off",
            "SELECT set_config('default_transaction_read_only', 'off', false)",
            "/* lift */ set \"default_transaction_read_only\" = 0");
    private static final String TABLE = "reader_read_only_probe";

    private static AurigaServer fallback;

    /** A second proxy that knows only the primary, so its reader endpoint falls back to it. */
    @BeforeAll
    static void startFallbackProxy(ProxiedCluster cluster) throws Exception {
        ClusterConfig all = SandboxCluster.config(cluster.sandbox(), "main", "127.0.0.1", 0, 0);
        String primary = cluster.sandbox().primary().name();
        ClusterConfig onlyPrimary = new ClusterConfig(all.name(), all.engine(),
                all.instances().stream().filter(i -> i.name().equals(primary)).toList(), all.adminCredentials(),
                all.endpoints().stream().map(e -> e.role() == EndpointConfig.EndpointRole.READER
                        ? e.withLagPolicy(e.maxLag(), true) : e).toList(),
                all.failover(), all.durability(), all.mysql(), all.postgres(), all.tls());
        fallback = ExtraProxy.start(onlyPrimary, new PgEngineSupport(Clock.systemUTC()));
        assertTrue(poll(Duration.ofSeconds(20), () -> fallback.topology("main").current().primary().isPresent()),
                () -> "the second proxy sees the primary: " + fallback.topology("main").current());
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id int)");
            st.execute("TRUNCATE " + TABLE);
        }
    }

    @AfterAll
    static void stopFallbackProxy() {
        if (fallback != null) {
            fallback.close();
        }
    }

    private static Connection reader(ProxiedCluster cluster, String extra) throws SQLException {
        Connection c = cluster.connect(fallback.port("main", "reader"), extra);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            assertFalse(rs.getBoolean(1), "the reader endpoint falls back to the primary");
        }
        return c;
    }

    @Test
    void everyStatementThatLiftsReadOnlyIsRefusedInEitherProtocol(ProxiedCluster cluster) throws Exception {
        for (String mode : List.of("preferQueryMode=extended", "preferQueryMode=simple")) {
            try (Connection c = reader(cluster, mode); Statement st = c.createStatement()) {
                for (String sql : LIFTING) {
                    SQLException e = assertThrows(SQLException.class, () -> st.execute(sql), mode + ": " + sql);
                    assertEquals("25006", e.getSQLState(), mode + ": " + sql + ": " + e.getMessage());
                    assertTrue(e.getMessage().contains("reader endpoint \"main/reader\""), e.getMessage());
                    // The session goes on, still read-only, outside any transaction.
                    try (ResultSet rs = st.executeQuery("SHOW transaction_read_only")) {
                        rs.next();
                        assertEquals("on", rs.getString(1), mode + " after " + sql);
                    }
                    SQLException write = assertThrows(SQLException.class,
                            () -> st.execute("INSERT INTO " + TABLE + " VALUES (1)"), mode + " after " + sql);
                    assertEquals("25006", write.getSQLState(), write.getMessage());
                }
            }
        }
        assertNothingWritten(cluster);
    }

    @Test
    void aLiftingStatementAmongOthersStopsTheQueryThere(ProxiedCluster cluster) throws Exception {
        try (Connection c = reader(cluster, "preferQueryMode=simple"); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT 'read write'; "
                    + "SET default_transaction_read_only = off; INSERT INTO " + TABLE + " VALUES (2)"));
            assertEquals("25006", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("cannot set transaction read-write mode on reader endpoint"),
                    "refused at the SET, before the INSERT: " + e.getMessage());
            try (ResultSet rs = st.executeQuery("SELECT 'BEGIN READ WRITE' AS read_write, $$SET transaction_read_only"
                    + " = off$$ -- BEGIN READ WRITE\n")) {
                rs.next();
                assertEquals("BEGIN READ WRITE", rs.getString("read_write"));
            }
        }
        assertNothingWritten(cluster);
    }

    @Test
    void statementsThatKeepReadOnlyPass(ProxiedCluster cluster) throws Exception {
        try (Connection c = reader(cluster, ""); Statement st = c.createStatement()) {
            st.execute("SET default_transaction_read_only = on");
            st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
            st.execute("BEGIN READ ONLY");
            st.execute("SET TRANSACTION READ ONLY");
            st.execute("COMMIT");
            st.execute("RESET default_transaction_read_only");
            try (ResultSet rs = st.executeQuery("SHOW default_transaction_read_only")) {
                rs.next();
                assertEquals("on", rs.getString(1), "the session's own start value survives RESET");
            }
        }
    }

    @Test
    void aPreparedStatementThatLiftsReadOnlyFailsAtEachExecution(ProxiedCluster cluster) throws Exception {
        try (Connection c = reader(cluster, "prepareThreshold=1");
             PreparedStatement ps = c.prepareStatement(
                     "SELECT set_config('default_transaction_read_only', ?, false)")) {
            for (int i = 0; i < 3; i++) {
                ps.setString(1, "off");
                SQLException e = assertThrows(SQLException.class, ps::execute);
                assertEquals("25006", e.getSQLState(), e.getMessage());
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW transaction_read_only")) {
                rs.next();
                assertEquals("on", rs.getString(1));
            }
        }
    }

    /**
     * On the wire, replies keep their order behind pipelined requests and the transaction status
     * is the server's: a refused Parse fails its batch, the rest of which is skipped up to Sync;
     * a refusal inside a transaction block fails the block.
     */
    @Test
    void refusalsKeepTheProtocolsOrderAndTransactionStatus(ProxiedCluster cluster) throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        try (RawClient raw = new RawClient(fallback.port("main", "reader"), 10_000)) {
            raw.login(sandbox.user(), sandbox.password(), sandbox.database());
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            pipeline.writeBytes(message('Q', cstrings("SELECT 1")));
            pipeline.writeBytes(message('P', concat(cstrings("", "BEGIN READ WRITE"), new byte[] {0, 0})));
            pipeline.writeBytes(message('B', concat(cstrings("", ""), new byte[] {0, 0, 0, 0, 0, 0})));
            pipeline.writeBytes(message('E', concat(cstrings(""), new byte[] {0, 0, 0, 0})));
            pipeline.writeBytes(message('P', concat(cstrings("", "SELECT 2"), new byte[] {0, 0})));
            pipeline.writeBytes(message('B', concat(cstrings("", ""), new byte[] {0, 0, 0, 0, 0, 0})));
            pipeline.writeBytes(message('E', concat(cstrings(""), new byte[] {0, 0, 0, 0})));
            pipeline.writeBytes(message('S', new byte[0]));
            pipeline.writeBytes(message('Q', cstrings("BEGIN; SET TRANSACTION READ WRITE")));
            pipeline.writeBytes(message('Q', cstrings("ROLLBACK")));
            raw.send(pipeline.toByteArray());
            StringBuilder replies = new StringBuilder();
            for (int ready = 0; ready < 4; ) {
                RawClient.Message m = raw.readMessage();
                replies.append(m.tag());
                if (m.tag() == 'Z') {
                    replies.append((char) m.body()[0]).append(' ');
                    ready++;
                } else if (m.tag() == 'E') {
                    replies.append('[').append(RawClient.fields(m.body()).get('C')).append(']');
                }
            }
            assertEquals("TDCZI 12E[25006]ZI CE[25006]ZE CZI ", replies.toString());
        }
    }

    /**
     * The fast-path FunctionCall bypasses SQL: set_config called by OID is refused as well, and
     * the session goes on (without the refusal the server would take it, and the session would be
     * ended when the server reports the new default).
     */
    @Test
    void aFunctionCallOfSetConfigIsRefused(ProxiedCluster cluster) throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        try (RawClient raw = new RawClient(fallback.port("main", "reader"), 10_000)) {
            raw.login(sandbox.user(), sandbox.password(), sandbox.database());
            ByteArrayOutputStream call = new ByteArrayOutputStream();
            call.writeBytes(java.nio.ByteBuffer.allocate(8).putInt(2078).putShort((short) 0).putShort((short) 3).array());
            for (String arg : List.of("default_transaction_read_only", "off", "false")) {
                call.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(arg.length()).array());
                call.writeBytes(arg.getBytes(StandardCharsets.UTF_8));
            }
            call.writeBytes(new byte[] {0, 0});
            raw.send(concat(message('Q', cstrings("BEGIN")), message('F', call.toByteArray()),
                    message('Q', cstrings("INSERT INTO " + TABLE + " VALUES (6)")), message('Q', cstrings("COMMIT"))));
            StringBuilder replies = new StringBuilder();
            for (int ready = 0; ready < 4; ) {
                RawClient.Message m = raw.readMessage();
                replies.append(m.tag());
                if (m.tag() == 'Z') {
                    replies.append((char) m.body()[0]).append(' ');
                    ready++;
                } else if (m.tag() == 'E') {
                    replies.append('[').append(RawClient.fields(m.body()).get('C')).append(']');
                }
            }
            assertEquals("CZT E[25006]ZE E[25P02]ZE CZI ", replies.toString());
        }
        assertNothingWritten(cluster);
    }

    private static byte[] message(char tag, byte[] body) {
        return concat(new byte[] {(byte) tag}, java.nio.ByteBuffer.allocate(4).putInt(4 + body.length).array(), body);
    }

    private static byte[] cstrings(String... strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : strings) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A way the lexical check cannot see is caught by the server's report of the setting. */
    @Test
    void aSessionThatLiftsReadOnlyOutOfSightIsEnded(ProxiedCluster cluster) throws Exception {
        try (Connection c = reader(cluster, ""); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.execute(
                    "DO $$BEGIN PERFORM set_config('default_transaction' || '_read_only', 'off', false); END$$"));
            assertEquals("25006", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("lifted read-only"), e.getMessage());
            assertThrows(SQLException.class, () -> st.execute("INSERT INTO " + TABLE + " VALUES (5)"));
            assertFalse(c.isValid(5), "the session is ended");
        }
        try (Connection c = reader(cluster, ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW default_transaction_read_only")) {
            rs.next();
            assertEquals("on", rs.getString(1), "a new session is read-only again");
        }
        assertNothingWritten(cluster);
    }

    /**
     * pgjdbc's setReadOnly(false): in its default readOnlyMode=transaction it sends nothing, and
     * writes still fail; with readOnlyMode=always it sends SET SESSION CHARACTERISTICS AS
     * TRANSACTION READ WRITE, which is refused.
     */
    @Test
    void pgjdbcSetReadOnlyFalseDoesNotLiftIt(ProxiedCluster cluster) throws Exception {
        try (Connection c = reader(cluster, ""); Statement st = c.createStatement()) {
            c.setReadOnly(false);
            SQLException write = assertThrows(SQLException.class,
                    () -> st.execute("INSERT INTO " + TABLE + " VALUES (3)"));
            assertEquals("25006", write.getSQLState(), write.getMessage());
        }
        try (Connection c = reader(cluster, "readOnlyMode=always")) {
            c.setReadOnly(true);
            SQLException e = assertThrows(SQLException.class, () -> c.setReadOnly(false));
            assertEquals("25006", e.getSQLState(), e.getMessage());
        }
        assertNothingWritten(cluster);
    }

    /**
     * What a hot standby answers directly, for comparison: it refuses a read-write transaction
     * mode (with 0A000), and takes a new default, which changes nothing while it is in recovery.
     */
    @Test
    void aHotStandbyRefusesOnlyTheTransactionModeItself(ProxiedCluster cluster) throws Exception {
        try (Connection c = cluster.admin(cluster.sandbox().replicas().get(0)); Statement st = c.createStatement()) {
            for (String sql : LIFTING) {
                boolean transactionMode = sql.contains("BEGIN") || sql.contains("START") || sql.contains("SET TRANSACTION")
                        || sql.contains("SET transaction_read_only");
                if (transactionMode) {
                    SQLException e = assertThrows(SQLException.class, () -> st.execute(sql), sql);
                    assertEquals("0A000", e.getSQLState(), e.getMessage());
                    assertTrue(e.getMessage().contains("cannot set transaction read-write mode during recovery"));
                } else {
                    st.execute(sql);
                    SQLException write = assertThrows(SQLException.class,
                            () -> st.execute("CREATE TABLE " + TABLE + "_standby (id int)"), sql);
                    assertEquals("25006", write.getSQLState(), write.getMessage());
                }
                st.execute("RESET ALL");
            }
        }
    }

    private static void assertNothingWritten(ProxiedCluster cluster) throws SQLException {
        try (Connection c = cluster.writer(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + TABLE)) {
            rs.next();
            assertEquals(0, rs.getInt(1), "no write reached the primary");
        }
    }
}
