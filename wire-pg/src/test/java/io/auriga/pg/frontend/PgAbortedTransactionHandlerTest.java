package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.PgFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PgAbortedTransactionHandlerTest {
    private final List<List<byte[]>> finished = new ArrayList<>();

    private EmbeddedChannel channel() {
        PgError error = new PgError("ERROR", PgError.SERIALIZATION_FAILURE, "aborted by failover", null, null);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(PgAbortedTransactionHandler.DECODER, new PgFrameDecoder(65536));
        ch.pipeline().addLast(PgAbortedTransactionHandler.NAME,
                new PgAbortedTransactionHandler(error, name -> null, finished::add));
        return ch;
    }

    private static ByteBuf message(char tag, byte[] body) {
        return Unpooled.buffer().writeByte(tag).writeInt(4 + body.length).writeBytes(body);
    }

    private static byte[] cstrings(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append(p).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The tags of everything written back, in order, with the status of each ReadyForQuery. */
    private static String replies(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            while (out.isReadable()) {
                char tag = (char) out.readByte();
                int length = out.readInt();
                sb.append(tag);
                if (tag == 'Z') {
                    sb.append((char) out.getByte(out.readerIndex()));
                }
                out.skipBytes(length - 4);
            }
            out.release();
        }
        return sb.toString();
    }

    @Test
    void everyQueryFailsUntilTheClientRollsBack() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(message('Q', cstrings("INSERT INTO t VALUES (1)")));
        assertEquals("EZE", replies(ch));
        ch.writeInbound(message('Q', cstrings("rollback;")));
        assertEquals("CZI", replies(ch));
        assertEquals(1, finished.size());
        assertNull(ch.pipeline().get(PgAbortedTransactionHandler.NAME), "the stand-in left the pipeline");
        ch.finishAndReleaseAll();
    }

    @Test
    void commitOfTheLostTransactionReportsRollback() {
        EmbeddedChannel ch = channel();
        ByteBuf batch = Unpooled.buffer();
        batch.writeBytes(message('P', concat(cstrings("S_7", "COMMIT"), new byte[] {0, 0})));
        batch.writeBytes(message('B', concat(cstrings("", "S_7"), new byte[] {0, 0, 0, 0, 0, 0})));
        batch.writeBytes(message('E', concat(cstrings(""), new byte[] {0, 0, 0, 0})));
        batch.writeBytes(message('S', new byte[0]));
        ch.writeInbound(batch);
        assertEquals("12CZI", replies(ch));
        assertEquals(1, finished.get(0).size(), "the named COMMIT is handed on so the backend learns it");
        ch.finishAndReleaseAll();
    }

    @Test
    void aFailedBatchSkipsToSync() {
        EmbeddedChannel ch = channel();
        ByteBuf batch = Unpooled.buffer();
        batch.writeBytes(message('P', concat(cstrings("", "SELECT 1"), new byte[] {0, 0})));
        batch.writeBytes(message('B', concat(cstrings("", ""), new byte[] {0, 0, 0, 0, 0, 0})));
        batch.writeBytes(message('E', concat(cstrings(""), new byte[] {0, 0, 0, 0})));
        batch.writeBytes(message('S', new byte[0]));
        ch.writeInbound(batch);
        assertEquals("EZE", replies(ch));
        assertTrue(finished.isEmpty());
        ch.finishAndReleaseAll();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
