package io.auriga.pg.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupDecoderTest {

    @Test
    void decodesAStartupMessageFedOneByteAtATime() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "alice");
        params.put("database", "shop");
        ByteBuf packet = PgMessages.startupMessage(UnpooledByteBufAllocator.DEFAULT, params);
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(10_000));
        while (packet.isReadable()) {
            ch.writeInbound(packet.readRetainedSlice(1));
        }
        packet.release();
        StartupPacket.Startup startup = assertInstanceOf(StartupPacket.Startup.class, ch.readInbound());
        assertEquals(3, startup.major());
        assertEquals(0, startup.minor());
        assertEquals(params, startup.parameters());
        assertNull(ch.readInbound());
        assertTrue(ch.finishAndReleaseAll() == false);
    }

    @Test
    void decodesSslGssAndCancelRequests() {
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(10_000));
        ch.writeInbound(Unpooled.buffer().writeInt(8).writeInt(PgMessages.SSL_REQUEST)
                .writeInt(8).writeInt(PgMessages.GSSENC_REQUEST)
                .writeInt(16).writeInt(PgMessages.CANCEL_REQUEST).writeInt(42).writeInt(-7));
        assertInstanceOf(StartupPacket.SslRequest.class, ch.readInbound());
        assertInstanceOf(StartupPacket.GssEncRequest.class, ch.readInbound());
        assertEquals(new StartupPacket.CancelRequest(42, -7), ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void refusesImpossibleAndOversizedLengthsBeforeBuffering() {
        for (int length : new int[] {-1, 0, 7, 10_001, Integer.MAX_VALUE}) {
            EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(10_000));
            ch.writeInbound(Unpooled.buffer().writeInt(length).writeInt(PgMessages.PROTOCOL_3_0));
            StartupPacket.Invalid invalid = assertInstanceOf(StartupPacket.Invalid.class, ch.readInbound());
            assertEquals(PgError.PROTOCOL_VIOLATION, invalid.code());
            assertTrue(invalid.reason().contains(String.valueOf(length)));
            // Whatever follows is discarded, not decoded.
            ch.writeInbound(Unpooled.buffer().writeInt(8).writeInt(PgMessages.SSL_REQUEST));
            assertNull(ch.readInbound());
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aTerminateInsteadOfAStartupPacketIsRecognisedByteByByte() {
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(10_000));
        ByteBuf terminate = PgMessages.terminate(UnpooledByteBufAllocator.DEFAULT);
        while (terminate.isReadable()) {
            ch.writeInbound(terminate.readRetainedSlice(1));
        }
        terminate.release();
        assertInstanceOf(StartupPacket.Terminate.class, ch.readInbound());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void refusesAnUnsupportedProtocolVersion() {
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(10_000));
        ch.writeInbound(Unpooled.buffer().writeInt(9).writeInt(2 << 16).writeByte(0));
        StartupPacket.Invalid invalid = assertInstanceOf(StartupPacket.Invalid.class, ch.readInbound());
        assertEquals(PgError.FEATURE_NOT_SUPPORTED, invalid.code());
        ch.finishAndReleaseAll();
    }

    @Test
    void acceptsANewerMinorVersionForNegotiation() {
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(10_000));
        ByteBuf b = Unpooled.buffer().writeInt(0).writeInt((3 << 16) | 2);
        b.writeBytes("user\0bob\0\0".getBytes());
        b.setInt(0, b.readableBytes());
        ch.writeInbound(b);
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class, ch.readInbound());
        assertEquals(2, s.minor());
        ch.finishAndReleaseAll();
    }

    @Test
    void refusesUnterminatedParameters() {
        EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(10_000));
        ByteBuf b = Unpooled.buffer().writeInt(0).writeInt(PgMessages.PROTOCOL_3_0);
        b.writeBytes("user\0bob".getBytes());
        b.setInt(0, b.readableBytes());
        ch.writeInbound(b);
        assertInstanceOf(StartupPacket.Invalid.class, ch.readInbound());
        ch.finishAndReleaseAll();
    }
}
