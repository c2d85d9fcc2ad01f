package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.auriga.mysql.protocol.Command;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's statement ids reach the backend rewritten to the backend's, in place, however the
 * client stream is cut into reads — including commands too large to be held back whole.
 */
class StatementIdRewriteTest {
    private final MySqlSessionState state = new MySqlSessionState(null);
    private final ClientCommandFramer framer = new ClientCommandFramer(state::wholeUpTo);

    /** A session whose client knows statements 1 and 3, served by a backend that calls them 7 and 9. */
    StatementIdRewriteTest() {
        prepare("SELECT ?", 1);
        prepare("SELECT 2", 2);
        prepare("SELECT ?, ?", 3);
        close(2);
        state.rebind(List.of(7L, 9L));
    }

    private void prepare(String sql, long backendId) {
        ByteBuf p = Unpooled.buffer().writeByte(Command.COM_STMT_PREPARE).writeBytes(sql.getBytes());
        state.command(p, p.readableBytes());
        state.prepared(backendId, 1, 1);
        state.completed(false);
    }

    private void close(long id) {
        ByteBuf p = Unpooled.buffer().writeByte(Command.COM_STMT_CLOSE).writeIntLE((int) id);
        state.command(p, p.readableBytes());
    }

    private static byte[] packet(int seq, byte[] payload) {
        byte[] out = new byte[4 + payload.length];
        out[0] = (byte) payload.length;
        out[1] = (byte) (payload.length >>> 8);
        out[2] = (byte) (payload.length >>> 16);
        out[3] = (byte) seq;
        System.arraycopy(payload, 0, out, 4, payload.length);
        return out;
    }

    private static byte[] stmt(int command, long id, int bodyBytes) {
        byte[] out = new byte[5 + bodyBytes];
        out[0] = (byte) command;
        out[1] = (byte) id;
        out[2] = (byte) (id >>> 8);
        out[3] = (byte) (id >>> 16);
        out[4] = (byte) (id >>> 24);
        for (int i = 5; i < out.length; i++) {
            out[i] = (byte) ('a' + i % 26);
        }
        return out;
    }

    /** Frames {@code stream} in reads of {@code readSize} bytes; returns what reached the backend. */
    private byte[] relay(byte[] stream, int readSize) {
        ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
        ClientCommandFramer.Sink sink = new ClientCommandFramer.Sink() {
            @Override
            public void forward(ByteBuf slice) {
                forwarded.writeBytes(ByteBufUtil.getBytes(slice));
                slice.release();
            }

            @Override
            public boolean message(int sequenceId, int length, ByteBuf payload) {
                if (sequenceId == 0) {
                    state.command(payload, length);
                }
                return false;
            }
        };
        for (int at = 0; at < stream.length; at += readSize) {
            ByteBuf chunk = Unpooled.buffer();
            chunk.writeBytes(stream, at, Math.min(readSize, stream.length - at));
            framer.read(chunk, sink);
        }
        framer.release();
        return forwarded.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 64, 100_000})
    void idsAreRewrittenWhereverTheReadsAreCut(int readSize) {
        byte[] query = concat(new byte[] {Command.COM_QUERY}, "SELECT 1".getBytes(StandardCharsets.UTF_8));
        byte[] stream = concat(
                packet(0, stmt(Command.COM_STMT_EXECUTE, 1, 10)),
                packet(0, query),
                packet(0, stmt(Command.COM_STMT_SEND_LONG_DATA, 3, 5000)),
                packet(0, stmt(Command.COM_STMT_EXECUTE, 3, 300)),
                packet(0, stmt(Command.COM_STMT_RESET, 3, 0)),
                packet(0, stmt(Command.COM_STMT_CLOSE, 1, 0)));
        byte[] expected = concat(
                packet(0, stmt(Command.COM_STMT_EXECUTE, 7, 10)),
                packet(0, query),
                packet(0, stmt(Command.COM_STMT_SEND_LONG_DATA, 9, 5000)),
                packet(0, stmt(Command.COM_STMT_EXECUTE, 9, 300)),
                packet(0, stmt(Command.COM_STMT_RESET, 9, 0)),
                packet(0, stmt(Command.COM_STMT_CLOSE, 7, 0)));
        assertArrayEquals(expected, relay(stream, readSize));
        assertEquals(1, state.statements().size(), "statement 1 was closed");
    }

    @Test
    void aStatementToPrepareLargerThanTheSmallLimitIsSeenWhole() {
        String sql = "SELECT '" + "x".repeat(5000) + "'";
        byte[] prepare = concat(new byte[] {Command.COM_STMT_PREPARE}, sql.getBytes(StandardCharsets.UTF_8));
        byte[] stream = packet(0, prepare);
        assertArrayEquals(stream, relay(stream, 100));
        state.prepared(4, 1, 0);
        state.completed(false);
        assertEquals(sql, state.statements().get(state.statements().size() - 1).sql());
    }
}
