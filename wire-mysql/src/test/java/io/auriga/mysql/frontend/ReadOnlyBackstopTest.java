package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.MySqlPacketScanner;
import io.auriga.mysql.protocol.ResponseTracker;
import io.auriga.mysql.protocol.ServerStatus;
import io.auriga.mysql.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * A reader session's relay of backend chunks as {@link MySqlSession#fromBackend} drives it: scanner,
 * response tracker, backstop; at byte level.
 */
class ReadOnlyBackstopTest {
    private static final long CLIENT = Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_DEPRECATE_EOF;
    private static final long TRACKING = CLIENT | Capabilities.CLIENT_SESSION_TRACK;
    private static final int CHANGED = ServerStatus.SESSION_STATE_CHANGED | ServerStatus.AUTOCOMMIT;

    private final MySqlPacketScanner scanner = new MySqlPacketScanner();

    private static byte[] frame(int sequenceId, ByteBuf payload) {
        byte[] p = ByteBufUtil.getBytes(payload);
        byte[] out = new byte[4 + p.length];
        out[0] = (byte) p.length;
        out[1] = (byte) (p.length >>> 8);
        out[2] = (byte) (p.length >>> 16);
        out[3] = (byte) sequenceId;
        System.arraycopy(p, 0, out, 4, p.length);
        return out;
    }

    private static ByteBuf variableOk(int status, String info, String name, String value) {
        ByteBuf data = Unpooled.buffer();
        Wire.writeLenencString(data, name);
        Wire.writeLenencString(data, value);
        ByteBuf entry = Unpooled.buffer().writeByte(0);
        Wire.writeLenencInt(entry, data.readableBytes());
        entry.writeBytes(data);
        ByteBuf ok = Unpooled.buffer().writeBytes(new byte[] {0, 0, 0}).writeShortLE(status).writeShortLE(0);
        Wire.writeLenencString(ok, info);
        Wire.writeLenencInt(ok, entry.readableBytes());
        ok.writeBytes(entry);
        return ok;
    }

    /** Scans {@code wire} as one backend chunk answering the commands the tracker awaits; returns what the client gets. */
    private byte[] relay(ResponseTracker tracker, ReadOnlyBackstop backstop, byte[] wire) {
        ByteBuf chunk = Unpooled.wrappedBuffer(wire);
        scanner.scan(chunk, (sequenceId, length, head, start) -> {
            tracker.serverMessage(length, head);
            if (tracker.okSeen() && (tracker.statusFlags() & ServerStatus.SESSION_STATE_CHANGED) != 0) {
                backstop.ok(chunk, sequenceId, length, start);
            }
        });
        if (!backstop.pending()) {
            byte[] out = ByteBufUtil.getBytes(chunk);
            chunk.release();
            return out;
        }
        ByteBuf out = backstop.apply(chunk, ByteBufAllocator.DEFAULT);
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        assertEquals(0, chunk.refCnt(), "the chunk is consumed");
        return bytes;
    }

    private static ResponseTracker queries(int n) {
        ResponseTracker tracker = new ResponseTracker(CLIENT);
        for (int i = 0; i < n; i++) {
            tracker.clientMessage(0, 2, Unpooled.wrappedBuffer(new byte[] {3, 'x'}));
        }
        return tracker;
    }

    @Test
    void aClientWithoutSessionTrackGetsItsOkPacketsWithoutState() {
        ReadOnlyBackstop backstop = new ReadOnlyBackstop(CLIENT);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(frame(1, variableOk(CHANGED, "", "autocommit", "OFF")));
        wire.writeBytes(frame(1, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 2, 0, 0, 0})));
        wire.writeBytes(frame(1, variableOk(CHANGED | ServerStatus.IN_TRANS, "done", "time_zone", "+01:00")));
        byte[] out = relay(queries(3), backstop, wire.toByteArray());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {7, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0});
        expected.writeBytes(new byte[] {7, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0});
        expected.writeBytes(new byte[] {12, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 4, 'd', 'o', 'n', 'e'});
        assertArrayEquals(expected.toByteArray(), out);
        assertNull(backstop.breach());
        assertFalse(backstop.pending(), "applied");
    }

    @Test
    void aClientWithSessionTrackGetsTheBytesAsTheServerSentThem() {
        ReadOnlyBackstop backstop = new ReadOnlyBackstop(TRACKING);
        byte[] wire = frame(1, variableOk(CHANGED, "", "autocommit", "OFF"));
        assertArrayEquals(wire, relay(queries(1), backstop, wire));
    }

    @Test
    void aLiftedFlagCutsTheChunkBeforeItsOk() {
        ReadOnlyBackstop backstop = new ReadOnlyBackstop(CLIENT);
        byte[] first = frame(1, variableOk(CHANGED, "", "autocommit", "OFF"));
        byte[] plain = frame(1, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 2, 0, 0, 0}));
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(first);
        wire.writeBytes(plain);
        wire.writeBytes(frame(1, variableOk(CHANGED, "", "tx_read_only", "OFF")));
        wire.writeBytes(plain);
        byte[] out = relay(queries(4), backstop, wire.toByteArray());
        ReadOnlyBackstop.Breach breach = backstop.breach();
        assertNotNull(breach);
        assertTrue(breach.what().contains("tx_read_only"), breach.what());
        assertEquals(1, breach.sequenceId());
        assertEquals(first.length + plain.length, breach.start());
        assertArrayEquals(new byte[] {7, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}, out);
    }

    @Test
    void aLiftedFlagInTheOkEndingRowsIsSeen() {
        ReadOnlyBackstop backstop = new ReadOnlyBackstop(TRACKING);
        ByteBuf eofOk = variableOk(CHANGED, "", "tx_read_only", "OFF");
        eofOk.setByte(0, 0xFE);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(frame(1, Unpooled.wrappedBuffer(new byte[] {1})));
        wire.writeBytes(frame(2, Unpooled.wrappedBuffer(new byte[] {3, 'd', 'e', 'f', 0, 0, 0, 1, 'a', 0, 0x0c, 0x21,
            0, 0, 0, 0, 0})));
        wire.writeBytes(frame(3, Unpooled.wrappedBuffer(new byte[] {1, '1'})));
        int rowsEnd = wire.size();
        wire.writeBytes(frame(4, eofOk));
        byte[] out = relay(queries(1), backstop, wire.toByteArray());
        assertNotNull(backstop.breach());
        assertEquals(4, backstop.breach().sequenceId());
        assertEquals(rowsEnd, out.length);
    }

    @Test
    void rowsThatLookLikeOkPacketsAreNotRead() {
        ReadOnlyBackstop backstop = new ReadOnlyBackstop(CLIENT);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(frame(1, Unpooled.wrappedBuffer(new byte[] {1})));
        wire.writeBytes(frame(2, Unpooled.wrappedBuffer(new byte[] {3, 'd', 'e', 'f', 0, 0, 0, 1, 'a', 0, 0x0c, 0x21,
            0, 0, 0, 0, 0})));
        // A row whose one column is the empty string, then bytes that would read as a lifting state.
        wire.writeBytes(frame(3, variableOk(CHANGED, "", "tx_read_only", "OFF")));
        wire.writeBytes(frame(4, Unpooled.wrappedBuffer(new byte[] {(byte) 0xFE, 0, 0, 2, 0, 0, 0})));
        byte[] all = wire.toByteArray();
        assertArrayEquals(all, relay(queries(1), backstop, all));
        assertNull(backstop.breach());
    }

    @Test
    void anOkWithStateSplitAcrossChunksFailsClosed() {
        ReadOnlyBackstop backstop = new ReadOnlyBackstop(TRACKING);
        byte[] ok = frame(1, variableOk(CHANGED, "", "autocommit", "ON"));
        ResponseTracker tracker = queries(1);
        byte[] first = java.util.Arrays.copyOf(ok, ok.length - 3);
        assertArrayEquals(first, relay(tracker, backstop, first));
        assertNull(backstop.breach(), "nothing of the state is known yet");
        byte[] rest = java.util.Arrays.copyOfRange(ok, ok.length - 3, ok.length);
        ByteBuf chunk = Unpooled.wrappedBuffer(rest);
        scanner.scan(chunk, (sequenceId, length, head, start) -> {
            tracker.serverMessage(length, head);
            if (tracker.okSeen() && (tracker.statusFlags() & ServerStatus.SESSION_STATE_CHANGED) != 0) {
                backstop.ok(chunk, sequenceId, length, start);
            }
        });
        assertNotNull(backstop.breach(), "an OK not seen whole cannot be checked");
        assertEquals(-1, backstop.breach().start());
        ByteBuf out = backstop.apply(chunk, ByteBufAllocator.DEFAULT);
        assertEquals(0, out.readableBytes());
        out.release();
    }

    /** Chunks from the backend are slices of pooled buffers, whose duplicates number their bytes differently. */
    @Test
    void okPacketsInSlicesOfPooledBuffersAreRewrittenInPlace() {
        ReadOnlyBackstop backstop = new ReadOnlyBackstop(CLIENT);
        byte[] wire = ByteBufUtil.decodeHexDump("1a000001000000004000000011000f0a6175746f636f6d6d6974034f4646");
        ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer().writeZero(9).writeBytes(wire);
        ByteBuf chunk = pooled.retainedSlice(9, wire.length);
        pooled.release();
        ResponseTracker tracker = queries(1);
        scanner.scan(chunk, (sequenceId, length, head, start) -> {
            tracker.serverMessage(length, head);
            if (tracker.okSeen() && (tracker.statusFlags() & ServerStatus.SESSION_STATE_CHANGED) != 0) {
                backstop.ok(chunk, sequenceId, length, start);
            }
        });
        ByteBuf out = backstop.apply(chunk, PooledByteBufAllocator.DEFAULT);
        assertArrayEquals(new byte[] {7, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, ByteBufUtil.getBytes(out));
        out.release();
    }
}
