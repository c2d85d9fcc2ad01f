package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The session state part of OK packets, as MariaDB 10.11 writes it under CLIENT_SESSION_TRACK. */
class SessionStateInfoTest {
    private static final int CHANGED = ServerStatus.SESSION_STATE_CHANGED | ServerStatus.AUTOCOMMIT;

    /** An OK with {@code status}, {@code info} and the state entries {@code entries} (type, data...). */
    static ByteBuf ok(int header, int status, String info, byte[]... entries) {
        ByteBuf all = Unpooled.buffer();
        for (byte[] entry : entries) {
            all.writeBytes(entry);
        }
        ByteBuf ok = Unpooled.buffer().writeByte(header).writeByte(0).writeByte(0).writeShortLE(status).writeShortLE(0);
        Wire.writeLenencString(ok, info);
        Wire.writeLenencInt(ok, all.readableBytes());
        ok.writeBytes(all);
        return ok;
    }

    static byte[] entry(int type, byte[] data) {
        ByteBuf b = Unpooled.buffer().writeByte(type);
        Wire.writeLenencBytes(b, data);
        return ByteBufUtil.getBytes(b);
    }

    static byte[] lenenc(String... strings) {
        ByteBuf b = Unpooled.buffer();
        for (String s : strings) {
            Wire.writeLenencString(b, s);
        }
        return ByteBufUtil.getBytes(b);
    }

    static byte[] variable(String name, String value) {
        return entry(SessionStateInfo.SYSTEM_VARIABLES, lenenc(name, value));
    }

    @Test
    void readsSystemVariablesAndCharacteristicsAndSkipsOtherTypes() {
        ByteBuf ok = ok(0x00, CHANGED, "",
                entry(1, lenenc("shop")),
                variable("tx_read_only", "OFF"),
                entry(2, lenenc("1")),
                entry(3, new byte[] {0, 5, '0', '-', '1', '-', '7'}),
                entry(5, lenenc("T_______")),
                entry(99, new byte[] {1, 2, 3}),
                entry(SessionStateInfo.SYSTEM_VARIABLES, lenenc("autocommit", "ON", "time_zone", "+00:00")),
                entry(SessionStateInfo.TRANSACTION_CHARACTERISTICS, lenenc("SET TRANSACTION READ WRITE;")));
        SessionStateInfo info = SessionStateInfo.decode(ok);
        assertEquals(List.of(new SessionStateInfo.Variable("tx_read_only", "OFF"),
                new SessionStateInfo.Variable("autocommit", "ON"),
                new SessionStateInfo.Variable("time_zone", "+00:00")), info.variables());
        assertEquals("SET TRANSACTION READ WRITE;", info.characteristics());
        assertEquals(0, ok.readerIndex(), "the packet is left as it was");
    }

    @Test
    void readsTheBytesMariaDbSentForALiftedFlag() {
        // OK to EXECUTE of a prepared SET SESSION TRANSACTION READ WRITE, as MariaDB 10.11.19 sent it.
        ByteBuf ok = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 2, 0x40, 0, 0, 0, 0x13, 0, 0x11, 0x0c,
            't', 'x', '_', 'r', 'e', 'a', 'd', '_', 'o', 'n', 'l', 'y', 3, 'O', 'F', 'F'});
        assertEquals(List.of(new SessionStateInfo.Variable("tx_read_only", "OFF")),
                SessionStateInfo.decode(ok).variables());
    }

    @Test
    void anOkWithoutTheFlagOrWithoutStateHasNoChanges() {
        ByteBuf plain = ok(0x00, ServerStatus.AUTOCOMMIT, "", variable("tx_read_only", "OFF"));
        assertTrue(SessionStateInfo.decode(plain).variables().isEmpty());
        ByteBuf bare = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0x02, 0x40, 0, 0});
        assertTrue(SessionStateInfo.decode(bare).variables().isEmpty());
        assertNull(SessionStateInfo.decode(bare).characteristics());
    }

    @Test
    void incompletePacketsAreRefusedAtEveryLength() {
        ByteBuf whole = ok(0xFE, CHANGED, "info", variable("tx_read_only", "ON"),
                entry(SessionStateInfo.TRANSACTION_CHARACTERISTICS, lenenc("START TRANSACTION READ WRITE;")));
        SessionStateInfo.decode(whole);
        int statusEnd = 7;
        for (int cut = statusEnd; cut < whole.readableBytes(); cut++) {
            ByteBuf part = whole.slice(0, cut);
            if (cut == statusEnd) {
                continue; // no info, no state: nothing announced to read
            }
            assertThrows(CorruptedFrameException.class, () -> SessionStateInfo.decode(part), "cut at " + cut);
        }
        ByteBuf header = whole.slice(0, 4);
        assertThrows(CorruptedFrameException.class, () -> SessionStateInfo.decode(header));
    }

    @Test
    void anEntryLongerThanItsPacketIsRefused() {
        ByteBuf ok = Unpooled.buffer().writeBytes(new byte[] {0, 0, 0, 0x02, 0x40, 0, 0, 0, 5, 0, 9, 1, 'a'});
        assertThrows(CorruptedFrameException.class, () -> SessionStateInfo.decode(ok));
    }

    @Test
    void untrackedOkKeepsEverythingButTheStateAndTheFlag() {
        ByteBuf withInfo = ok(0x00, CHANGED | ServerStatus.IN_TRANS, "Rows matched: 1", variable("autocommit", "OFF"));
        ByteBuf out = Unpooled.buffer();
        SessionStateInfo.writeUntracked(withInfo, out);
        ByteBuf expected = Unpooled.buffer().writeBytes(new byte[] {0, 0, 0}).writeShortLE(
                ServerStatus.AUTOCOMMIT | ServerStatus.IN_TRANS).writeShortLE(0);
        Wire.writeLenencString(expected, "Rows matched: 1");
        assertArrayEquals(ByteBufUtil.getBytes(expected), ByteBufUtil.getBytes(out));

        ByteBuf noInfo = ok(0xFE, CHANGED, "", variable("autocommit", "OFF"));
        out = Unpooled.buffer();
        SessionStateInfo.writeUntracked(noInfo, out);
        assertArrayEquals(new byte[] {(byte) 0xFE, 0, 0, 2, 0, 0, 0}, ByteBufUtil.getBytes(out));
    }

    @Test
    void untrackedOkWithoutTheFlagIsCopiedAsItIs() {
        byte[] ok = {0, 1, 0, 2, 0, 1, 0, 4, 'i', 'n', 'f', 'o'};
        ByteBuf out = Unpooled.buffer();
        SessionStateInfo.writeUntracked(Unpooled.wrappedBuffer(ok), out);
        assertArrayEquals(ok, ByteBufUtil.getBytes(out));
        assertEquals("info", new String(ok, 8, 4, StandardCharsets.US_ASCII));
    }
}
