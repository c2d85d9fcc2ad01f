package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** OK, ERR, EOF and AuthSwitchRequest, including the layouts capability flags change, and lenenc values. */
class ResponsePacketsTest {
    private static final long PROTOCOL_41 = Capabilities.CLIENT_PROTOCOL_41;
    private static final long TRACK = PROTOCOL_41 | Capabilities.CLIENT_SESSION_TRACK;
    private static final long DEPRECATE_EOF = PROTOCOL_41 | Capabilities.CLIENT_DEPRECATE_EOF;

    @Test
    void okCarriesStatusFlagsAndInfo() {
        ByteBuf buf = hex("00" + "01" + "fc0001" + "0300" + "0200" + "526f7773"); // info "Rows"
        assertTrue(OkPacket.is(buf, PROTOCOL_41));
        OkPacket ok = OkPacket.decode(buf, PROTOCOL_41);
        assertEquals(new OkPacket(1, 256, ServerStatus.IN_TRANS | ServerStatus.AUTOCOMMIT, 2, "Rows"), ok);
        assertFalse(buf.isReadable());
    }

    @Test
    void sessionTrackingStateIsSkippedNotInterpreted() {
        // info "", then session state changes: type 0 (system variable) autocommit=ON, all lenenc.
        String state = "10" + "000d" + "0a6175746f636f6d6d6974" + "024f4e";
        ByteBuf buf = hex("00" + "00" + "00" + "0240" + "0000" + "00" + state);
        OkPacket ok = OkPacket.decode(buf, TRACK);
        assertEquals(ServerStatus.AUTOCOMMIT | ServerStatus.SESSION_STATE_CHANGED, ok.statusFlags());
        assertEquals("", ok.info());
        assertFalse(buf.isReadable());
        ByteBuf bad = hex("00" + "00" + "00" + "0240" + "0000" + "00" + "7f01");
        assertThrows(CorruptedFrameException.class, () -> OkPacket.decode(bad, TRACK), "a state length past the end");
    }

    @Test
    void an0xFeOkEndsAResultSetOnlyUnderDeprecateEof() {
        OkPacket ok = new OkPacket(0, 0, ServerStatus.AUTOCOMMIT, 0, "");
        ByteBuf buf = Unpooled.buffer();
        ok.encode(buf, DEPRECATE_EOF, OkPacket.EOF_HEADER);
        buf.writeZero(EofPacket.MAX_SIZE - buf.readableBytes()); // pad like servers that send lenenc info
        assertTrue(OkPacket.is(buf, DEPRECATE_EOF));
        assertFalse(OkPacket.is(buf, PROTOCOL_41), "without CLIENT_DEPRECATE_EOF a 0xFE packet is never an OK");
        assertFalse(EofPacket.is(buf));
        assertEquals(ServerStatus.AUTOCOMMIT, OkPacket.decode(buf, DEPRECATE_EOF).statusFlags());
    }

    @Test
    void eofPacketIsShortAndCarriesStatus() {
        ByteBuf buf = Unpooled.buffer();
        new EofPacket(1, ServerStatus.MORE_RESULTS_EXISTS).encode(buf);
        assertEquals("fe01000800", ByteBufUtil.hexDump(buf));
        assertTrue(EofPacket.is(buf));
        assertFalse(OkPacket.is(buf, DEPRECATE_EOF));
        assertEquals(new EofPacket(1, ServerStatus.MORE_RESULTS_EXISTS), EofPacket.decode(buf));
    }

    @Test
    void errCarriesCodeSqlStateAndMessage() {
        ByteBuf buf = Unpooled.buffer();
        new ErrPacket(1045, "28000", "Access denied for user 'x'@'127.0.0.1'").encode(buf);
        assertTrue(ErrPacket.is(buf));
        ErrPacket err = ErrPacket.decode(buf);
        assertEquals(1045, err.errorCode());
        assertEquals("28000", err.sqlState());
        assertEquals("Access denied for user 'x'@'127.0.0.1'", err.message());
        assertFalse(err.isProgressReport());
        ErrPacket progress = ErrPacket.decode(hex("ffffff" + "01" + "0102"));
        assertTrue(progress.isProgressReport());
        assertEquals("HY000", ErrPacket.decode(hex("ff1000" + "6f6c64")).sqlState(), "pre-4.1 error without a state");
    }

    @Test
    void authSwitchRequestDropsTheScramblesTrailingNul() {
        byte[] scramble = HexFormat.of().parseHex("0102030405060708090a0b0c0d0e0f1011121314");
        ByteBuf buf = hex("fe" + HexFormat.of().formatHex("mysql_native_password".getBytes()) + "00"
                + "0102030405060708090a0b0c0d0e0f1011121314" + "00");
        AuthSwitchRequest request = AuthSwitchRequest.decode(buf);
        assertEquals("mysql_native_password", request.pluginName());
        assertArrayEquals(scramble, request.scramble());
        assertEquals(21, request.pluginData().length);
        ByteBuf out = Unpooled.buffer();
        request.encode(out);
        AuthSwitchRequest back = AuthSwitchRequest.decode(out);
        assertEquals(request.pluginName(), back.pluginName());
        assertArrayEquals(request.pluginData(), back.pluginData());
    }

    @Test
    void lengthEncodedIntegersUseTheShortestFormAndRoundTrip() {
        long[] values = {0, 250, 251, 0xFFFF, 0x10000, 0xFFFFFF, 0x1000000, Long.MAX_VALUE};
        String[] prefixes = {"00", "fa", "fcfb00", "fcffff", "fd000001", "fdffffff", "fe0000000100000000", "feffffffffffffff7f"};
        for (int i = 0; i < values.length; i++) {
            ByteBuf buf = Unpooled.buffer();
            Wire.writeLenencInt(buf, values[i]);
            assertEquals(prefixes[i], ByteBufUtil.hexDump(buf), "encoding of " + values[i]);
            assertEquals(values[i], Wire.readLenencInt(buf));
        }
        assertThrows(CorruptedFrameException.class, () -> Wire.readLenencInt(hex("fb")));
        assertThrows(CorruptedFrameException.class, () -> Wire.readLenencInt(hex("fd0102")));
        assertThrows(CorruptedFrameException.class, () -> Wire.readLenencString(hex("05616263")));
        ByteBuf s = Unpooled.buffer();
        Wire.writeLenencString(s, "héllo");
        assertEquals("héllo", Wire.readLenencString(s));
    }

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
    }
}
