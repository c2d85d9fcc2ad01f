package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/** The compressed protocol, fed byte by byte: plain bytes out, sequence ids continued, bombs refused. */
class CompressedPacketCodecTest {

    @Test
    void unwrapsCompressedAndStoredPacketsFedOneByteAtATime() {
        byte[] query = plainPacket(0, ("\u0003SELECT '" + "x".repeat(200) + "'").getBytes());
        byte[] ping = plainPacket(0, new byte[] {0x0E});
        ByteBuf wire = Unpooled.buffer();
        wire.writeBytes(compressed(0, query));
        wire.writeBytes(stored(0, ping));
        EmbeddedChannel ch = new EmbeddedChannel(new CompressedPacketCodec());
        while (wire.isReadable()) {
            ch.writeInbound(wire.readRetainedSlice(1));
        }
        wire.release();
        assertArrayEquals(query, readChunk(ch));
        assertArrayEquals(ping, readChunk(ch));
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void answersContinueTheClientsCompressedSequence() {
        EmbeddedChannel ch = new EmbeddedChannel(new CompressedPacketCodec());
        ch.writeInbound(Unpooled.wrappedBuffer(stored(0, plainPacket(0, new byte[] {0x0E}))));
        ((ByteBuf) ch.readInbound()).release();
        byte[] small = plainPacket(1, new byte[] {0, 0, 0, 2, 0, 0, 0});
        byte[] large = plainPacket(2, "y".repeat(5000).getBytes());
        ch.writeOutbound(Unpooled.wrappedBuffer(small));
        ch.writeOutbound(Unpooled.wrappedBuffer(large));
        ByteBuf first = ch.readOutbound();
        assertEquals(1, first.getUnsignedByte(3), "continues after the client's sequence id 0");
        assertEquals(0, first.getUnsignedMediumLE(4), "a small packet goes stored");
        assertArrayEquals(small, payloadOf(first));
        ByteBuf second = ch.readOutbound();
        assertEquals(2, second.getUnsignedByte(3));
        assertEquals(large.length, second.getUnsignedMediumLE(4));
        assertTrue(second.getUnsignedMediumLE(0) < large.length, "compressed");
        assertArrayEquals(large, inflate(payloadOf(second), large.length));

        // The next command restarts at 0, and so do the answers.
        ch.writeInbound(Unpooled.wrappedBuffer(stored(0, plainPacket(0, new byte[] {0x0E}))));
        ((ByteBuf) ch.readInbound()).release();
        ch.writeOutbound(Unpooled.wrappedBuffer(small));
        ByteBuf third = ch.readOutbound();
        assertEquals(1, third.getUnsignedByte(3));
        third.release();
        first.release();
        second.release();
        assertFalse(ch.finish());
    }

    @Test
    void refusesAPacketThatInflatesPastItsHeader() {
        byte[] bomb = new byte[4 << 20];
        byte[] packet = compressed(0, bomb);
        // The header claims 1000 bytes; the data would give 4 MiB.
        packet[4] = (byte) 0xE8;
        packet[5] = 0x03;
        packet[6] = 0;
        EmbeddedChannel ch = new EmbeddedChannel(new CompressedPacketCodec());
        CompressedPacketCodec.BadCompressedPacket e = assertThrows(CompressedPacketCodec.BadCompressedPacket.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(packet)));
        assertTrue(e.getMessage().contains("past the 1000 bytes"), e.getMessage());
        ch.writeInbound(Unpooled.wrappedBuffer(stored(0, plainPacket(0, new byte[] {0x0E}))));
        assertNull(ch.readInbound(), "nothing after a refused packet is read");
        assertFalse(ch.finish());
    }

    @Test
    void refusesDataThatIsNotZlibOrEndsShort() {
        byte[] garbage = new byte[] {10, 0, 0, 0, 100, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        EmbeddedChannel ch = new EmbeddedChannel(new CompressedPacketCodec());
        assertThrows(CompressedPacketCodec.BadCompressedPacket.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(garbage)));
        assertFalse(ch.finish());

        byte[] shortPacket = compressed(0, new byte[300]);
        shortPacket[4] = (byte) 0x90; // claims 400 bytes: 0x190
        shortPacket[5] = 0x01;
        EmbeddedChannel ch2 = new EmbeddedChannel(new CompressedPacketCodec());
        CompressedPacketCodec.BadCompressedPacket e = assertThrows(CompressedPacketCodec.BadCompressedPacket.class,
                () -> ch2.writeInbound(Unpooled.wrappedBuffer(shortPacket)));
        assertTrue(e.getMessage().contains("inflates to 300 bytes, its header names 400"), e.getMessage());
        assertFalse(ch2.finish());
    }

    private static byte[] plainPacket(int sequenceId, byte[] payload) {
        ByteBuf out = Unpooled.buffer();
        MySqlPackets.write(out, sequenceId, Unpooled.wrappedBuffer(payload));
        return bytes(out);
    }

    private static byte[] stored(int sequenceId, byte[] plain) {
        return bytes(Unpooled.buffer().writeMediumLE(plain.length).writeByte(sequenceId).writeMediumLE(0)
                .writeBytes(plain));
    }

    private static byte[] compressed(int sequenceId, byte[] plain) {
        Deflater deflater = new Deflater();
        deflater.setInput(plain);
        deflater.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!deflater.finished()) {
            z.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        return bytes(Unpooled.buffer().writeMediumLE(z.size()).writeByte(sequenceId).writeMediumLE(plain.length)
                .writeBytes(z.toByteArray()));
    }

    private static byte[] inflate(byte[] z, int length) {
        Inflater inflater = new Inflater();
        inflater.setInput(z);
        byte[] out = new byte[length];
        try {
            assertEquals(length, inflater.inflate(out));
            assertTrue(inflater.finished());
        } catch (DataFormatException e) {
            throw new AssertionError(e);
        } finally {
            inflater.end();
        }
        return out;
    }

    /** The payload of one compressed packet, which must be all of {@code packet}. */
    private static byte[] payloadOf(ByteBuf packet) {
        assertEquals(packet.readableBytes(), 7 + packet.getUnsignedMediumLE(0));
        return Arrays.copyOfRange(ByteBufUtil.getBytes(packet), 7, packet.readableBytes());
    }

    /** The plain bytes the decoder produced for one compressed packet. */
    private static byte[] readChunk(EmbeddedChannel ch) {
        ByteBuf chunk = ch.readInbound();
        return bytes(chunk);
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] b = ByteBufUtil.getBytes(buf);
        buf.release();
        return b;
    }
}
