package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Chunks cut at packet boundaries, fed byte by byte and in random pieces; nothing left over or leaked. */
class PacketAlignerTest {

    private static byte[] packet(int sequenceId, int length, int fill) {
        byte[] p = new byte[4 + length];
        p[0] = (byte) length;
        p[1] = (byte) (length >>> 8);
        p[2] = (byte) (length >>> 16);
        p[3] = (byte) sequenceId;
        java.util.Arrays.fill(p, 4, p.length, (byte) fill);
        return p;
    }

    /** Feeds {@code wire} in pieces of the given sizes (cycled) and returns the chunks that came out. */
    private static List<byte[]> feed(byte[] wire, int... pieces) {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketAligner());
        int at = 0;
        for (int i = 0; at < wire.length; i++) {
            int n = Math.min(pieces[i % pieces.length], wire.length - at);
            ch.writeInbound(Unpooled.wrappedBuffer(wire, at, n));
            at += n;
        }
        List<byte[]> chunks = new ArrayList<>();
        for (ByteBuf b = ch.readInbound(); b != null; b = ch.readInbound()) {
            chunks.add(ByteBufUtil.getBytes(b));
            b.release();
        }
        assertFalse(ch.finish());
        return chunks;
    }

    /** Walks the packet headers of {@code chunk}; returns the bytes it holds beyond its last whole packet. */
    private static int tail(byte[] chunk) {
        int at = 0;
        while (chunk.length - at >= 4) {
            int length = (chunk[at] & 0xFF) | (chunk[at + 1] & 0xFF) << 8 | (chunk[at + 2] & 0xFF) << 16;
            if (chunk.length - at - 4 < length) {
                break;
            }
            at += 4 + length;
        }
        return chunk.length - at;
    }

    @Test
    void everyChunkHoldsWholePacketsWhenFedByteByByte() {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(packet(1, 7, 0));
        wire.writeBytes(packet(2, 0, 0));
        wire.writeBytes(packet(3, 300, 7));
        List<byte[]> chunks = feed(wire.toByteArray(), 1);
        assertEquals(3, chunks.size());
        assertArrayEquals(packet(1, 7, 0), chunks.get(0));
        assertArrayEquals(packet(2, 0, 0), chunks.get(1));
        assertArrayEquals(packet(3, 300, 7), chunks.get(2));
    }

    @Test
    void randomPiecesComeOutWholeAndInOrder() {
        Random random = new Random(7);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            wire.writeBytes(packet(i, random.nextInt(2000), i));
        }
        byte[] all = wire.toByteArray();
        int[] pieces = new int[50];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = 1 + random.nextInt(3000);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] chunk : feed(all, pieces)) {
            assertEquals(0, tail(chunk), "a chunk ends inside a packet");
            out.writeBytes(chunk);
        }
        assertArrayEquals(all, out.toByteArray());
    }

    @Test
    void aPacketOverTheLimitPassesInPiecesAndThoseAfterItAreWholeAgain() {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(packet(1, 5, 1));
        wire.writeBytes(packet(2, PacketAligner.WHOLE_UP_TO + 1000, 2));
        wire.writeBytes(packet(3, 9, 3));
        byte[] all = wire.toByteArray();
        List<byte[]> chunks = feed(all, 4096);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(out::writeBytes);
        assertArrayEquals(all, out.toByteArray());
        assertArrayEquals(packet(3, 9, 3), chunks.get(chunks.size() - 1), "the packet after the large one is whole");
        assertEquals(9, chunks.get(0).length, "the whole packet first");
        assertEquals(4096 - 9, chunks.get(1).length, "then the large one as it came");
    }

    @Test
    void nothingComesOutBeforeAPacketIsWhole() {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketAligner());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {3, 0, 0, 1, 'a'}));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'b', 'c'}));
        ByteBuf b = ch.readInbound();
        assertArrayEquals(new byte[] {3, 0, 0, 1, 'a', 'b', 'c'}, ByteBufUtil.getBytes(b));
        b.release();
        assertFalse(ch.finish());
    }
}
