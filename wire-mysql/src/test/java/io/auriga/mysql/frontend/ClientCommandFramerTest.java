package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientCommandFramerTest {

    private static byte[] packet(int seq, byte[] payload) {
        byte[] out = new byte[4 + payload.length];
        out[0] = (byte) payload.length;
        out[1] = (byte) (payload.length >>> 8);
        out[2] = (byte) (payload.length >>> 16);
        out[3] = (byte) seq;
        System.arraycopy(payload, 0, out, 4, payload.length);
        return out;
    }

    private static byte[] query(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[text.length + 1];
        out[0] = 3;
        System.arraycopy(text, 0, out, 1, text.length);
        return out;
    }

    private static final class Recorder implements ClientCommandFramer.Sink {
        final List<String> seen = new ArrayList<>();
        final ByteBuf forwarded = Unpooled.buffer();
        long forwardedBytes;
        final boolean keep;

        Recorder(boolean keep) {
            this.keep = keep;
        }

        @Override
        public void forward(ByteBuf slice) {
            forwardedBytes += slice.readableBytes();
            if (keep) {
                forwarded.writeBytes(slice);
            }
            slice.release();
        }

        @Override
        public boolean message(int sequenceId, int length, ByteBuf payload) {
            seen.add(sequenceId + ":" + length);
            return payload.toString(StandardCharsets.ISO_8859_1).contains("KILL");
        }
    }

    @Test
    void aKillSplitAcrossReadsIsTakenOutWholeAndTheRestPasses() {
        byte[] before = packet(0, query("SELECT 1"));
        byte[] kill = packet(0, query("KILL QUERY 7"));
        byte[] after = packet(0, query("SELECT 2"));
        byte[] stream = new byte[before.length + kill.length + after.length];
        System.arraycopy(before, 0, stream, 0, before.length);
        System.arraycopy(kill, 0, stream, before.length, kill.length);
        System.arraycopy(after, 0, stream, before.length + kill.length, after.length);
        ClientCommandFramer framer = new ClientCommandFramer();
        Recorder sink = new Recorder(true);
        for (byte b : stream) {
            framer.read(Unpooled.wrappedBuffer(new byte[] {b}), sink);
        }
        framer.release();
        assertEquals(new String(before, StandardCharsets.ISO_8859_1) + new String(after, StandardCharsets.ISO_8859_1),
                sink.forwarded.toString(StandardCharsets.ISO_8859_1));
        assertEquals(List.of("0:9", "0:13", "0:9"), sink.seen);
        sink.forwarded.release();
    }

    @Test
    void aMessageOfSeveralFullPacketsIsOneMessageAndPassesWhole() {
        int second = 4 + 0xFFFFFF;
        byte[] tail = packet(0, query("SELECT 3"));
        byte[] stream = new byte[second + 4 + 10 + tail.length];
        stream[0] = (byte) 0xFF;
        stream[1] = (byte) 0xFF;
        stream[2] = (byte) 0xFF;
        stream[4] = 3;
        stream[second] = 10;
        stream[second + 3] = 1;
        System.arraycopy(tail, 0, stream, second + 4 + 10, tail.length);
        ClientCommandFramer framer = new ClientCommandFramer();
        Recorder sink = new Recorder(false);
        for (int i = 0; i < stream.length; i += 65536) {
            framer.read(Unpooled.wrappedBuffer(stream, i, Math.min(65536, stream.length - i)), sink);
        }
        framer.release();
        sink.forwarded.release();
        assertEquals(stream.length, sink.forwardedBytes);
        assertEquals(List.of("0:16777215", "0:9"), sink.seen);
    }
}
