package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Packet framing, fed byte by byte and in large pieces; nothing may be left over or leaked. */
class MySqlPacketDecoderTest {
    private static final int MAX = MySqlPacketDecoder.MAX_PACKET_PAYLOAD;

    @Test
    void decodesPacketsFedOneByteAtATime() {
        ByteBuf wire = Unpooled.buffer();
        MySqlPackets.write(wire, 0, Unpooled.wrappedBuffer(new byte[] {3, 's', 'e', 'l'}));
        MySqlPackets.write(wire, 7, Unpooled.EMPTY_BUFFER);
        EmbeddedChannel ch = new EmbeddedChannel(new MySqlPacketDecoder(1024));
        while (wire.isReadable()) {
            ch.writeInbound(wire.readRetainedSlice(1));
        }
        wire.release();
        MySqlPacket first = ch.readInbound();
        assertEquals(0, first.sequenceId());
        assertEquals(3, first.header());
        assertEquals(4, first.payload().readableBytes());
        first.release();
        MySqlPacket empty = ch.readInbound();
        assertEquals(7, empty.sequenceId());
        assertEquals(-1, empty.header());
        empty.release();
        assertNull(ch.readInbound());
        assertTrue(!ch.finish());
    }

    @Test
    void joinsPacketsOfExactly16MiBIntoOneMessage() {
        byte[] payload = new byte[MAX + 10];
        new Random(1).nextBytes(payload);
        assertJoined(payload, 2);
        assertJoined(new byte[MAX], 2); // an exact multiple ends with an empty packet
    }

    @Test
    void refusesAnOversizedPacketFromItsHeaderWithoutBufferingIt() {
        EmbeddedChannel ch = new EmbeddedChannel(new MySqlPacketDecoder(1000));
        ByteBuf header = Unpooled.buffer().writeMediumLE(1001).writeByte(0);
        TooLongFrameException e = assertThrows(TooLongFrameException.class, () -> ch.writeInbound(header));
        assertTrue(e.getMessage().contains("more than 1000 bytes"), e.getMessage());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[500])); // what follows is discarded
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void refusesAContinuedMessageOnceItsTotalExceedsTheLimit() {
        EmbeddedChannel ch = new EmbeddedChannel(new MySqlPacketDecoder(MAX + 5));
        ByteBuf wire = Unpooled.buffer();
        MySqlPackets.write(wire, 0, Unpooled.wrappedBuffer(new byte[MAX + 6]));
        assertThrows(TooLongFrameException.class, () -> ch.writeInbound(wire));
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    private static void assertJoined(byte[] payload, int packets) {
        ByteBuf wire = Unpooled.buffer();
        int next = MySqlPackets.write(wire, 250, Unpooled.wrappedBuffer(payload));
        assertEquals((250 + packets) & 0xFF, next, "sequence ids wrap around");
        assertEquals(payload.length + 4 * packets, wire.readableBytes());
        EmbeddedChannel ch = new EmbeddedChannel(new MySqlPacketDecoder(payload.length));
        while (wire.isReadable()) {
            ch.writeInbound(wire.readRetainedSlice(Math.min(wire.readableBytes(), 1 << 20)));
        }
        wire.release();
        MySqlPacket message = ch.readInbound();
        assertEquals((250 + packets - 1) & 0xFF, message.sequenceId(), "the last packet's sequence id");
        assertEquals(Unpooled.wrappedBuffer(payload), message.payload());
        message.release();
        assertNull(ch.readInbound());
        assertTrue(!ch.finish());
    }
}
