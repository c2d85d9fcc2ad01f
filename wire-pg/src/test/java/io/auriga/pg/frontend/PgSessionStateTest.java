package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.pg.protocol.PgMessageScanner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PgSessionStateTest {

    private static ByteBuf query(String sql) {
        byte[] b = sql.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeByte('Q').writeInt(4 + b.length + 1).writeBytes(b).writeByte(0);
    }

    private static ByteBuf parse(String name, String sql) {
        ByteBuf body = Unpooled.buffer();
        body.writeBytes(name.getBytes(StandardCharsets.UTF_8)).writeByte(0);
        body.writeBytes(sql.getBytes(StandardCharsets.UTF_8)).writeByte(0);
        body.writeShort(0);
        ByteBuf m = Unpooled.buffer().writeByte('P').writeInt(4 + body.readableBytes()).writeBytes(body);
        body.release();
        return m;
    }

    private static ByteBuf closeStatement(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeByte('C').writeInt(4 + 1 + b.length + 1).writeByte('S').writeBytes(b)
                .writeByte(0);
    }

    /** Feeds messages through a scanner one byte at a time, the hardest split. */
    private static PgSessionState feed(ByteBuf... messages) {
        PgSessionState state = new PgSessionState();
        PgMessageScanner scanner = new PgMessageScanner(state, PgSessionState.WATCH_LIMIT);
        for (ByteBuf m : messages) {
            while (m.isReadable()) {
                scanner.scan(m.readSlice(1));
            }
            m.release();
        }
        return state;
    }

    @Test
    void keepsSessionSetsAndNamedStatementsInOrderAcrossSplits() {
        PgSessionState state = feed(query("SET search_path TO app"), query("set LOCAL work_mem = '1MB'"),
                query("SELECT 1"), parse("S_1", "SELECT $1"), parse("", "SET TimeZone = 'UTC'"),
                parse("S_2", "SELECT 2"), closeStatement("S_1"));
        assertNull(state.pinned());
        assertEquals(2, state.settingCount(), "SET LOCAL lasts one transaction and is not replayed");
        assertEquals(1, state.statementCount(), "S_1 was closed");
        int[] readies = new int[1];
        ByteBuf replay = state.replay(UnpooledByteBufAllocator.DEFAULT, readies);
        assertEquals(3, readies[0], "one ReadyForQuery per SET and one for the Parse batch's Sync");
        String text = replay.toString(StandardCharsets.UTF_8);
        assertTrue(text.indexOf("SET search_path TO app") < text.indexOf("SET TimeZone"), text);
        assertTrue(text.contains("S_2\0SELECT 2\0"), text);
        assertEquals('S', replay.getByte(replay.writerIndex() - 5), "the batch ends with Sync");
        replay.release();
    }

    @Test
    void resetAllAndDiscardAllForgetWhatCameBefore() {
        assertEquals(0, feed(query("SET a.b = 1"), query("RESET ALL")).settingCount());
        PgSessionState discarded = feed(query("SET a.b = 1"), parse("S_1", "SELECT 1"), query("DISCARD ALL"));
        assertEquals(0, discarded.settingCount());
        assertEquals(0, discarded.statementCount());
    }

    @Test
    void stateThatCannotBeReplayedPinsTheSession() {
        assertEquals("LISTEN", feed(query("LISTEN jobs")).pinned());
        assertEquals("a temporary table", feed(query("CREATE TEMP TABLE t (x int)")).pinned());
        assertEquals("a session advisory lock", feed(parse("", "SELECT pg_advisory_lock(42)")).pinned());
        assertNull(feed(query("SELECT pg_advisory_xact_lock(42)")).pinned(), "a transaction lock ends with it");
        assertEquals("a cursor WITH HOLD", feed(query("DECLARE c CURSOR WITH HOLD FOR SELECT 1")).pinned());
        assertEquals("a statement prepared with SQL PREPARE", feed(query("PREPARE p AS SELECT 1")).pinned());
    }
}
