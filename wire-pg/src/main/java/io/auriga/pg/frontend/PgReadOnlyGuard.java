package io.auriga.pg.frontend;

import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.ReadWriteStatements;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Keeps a reader endpoint's sessions read-only, whoever the user: the session starts with
 * {@code default_transaction_read_only=on}, and this guard, in the client's stream ahead of the
 * relay, stops the statements that would lift it ({@link ReadWriteStatements}). A replica refuses
 * writes by itself, but a reader that falls back to the primary does not.
 * <pre>
 *   Query("SELECT 1; SET default_transaction_read_only = off; ...")
 *       → Query("SELECT 1; DO ...RAISE 25006...; ...")       the server stops at the error, as it would
 *   Parse("BEGIN READ WRITE") → Parse("DO ...RAISE 25006...")  Execute fails; the server skips to Sync
 *   any other message                                         → passes as it came, in pieces
 * </pre>
 * The refused statement is replaced, not answered here: the server raises the error in its turn,
 * so replies keep their order behind pipelined requests, the ReadyForQuery carries the true
 * transaction status, and an extended batch is skipped up to its Sync by the server itself (§55.2.3).
 * A FunctionCall of set_config is refused too, in a Query of its own. Only Query, Parse and
 * FunctionCall bodies are held whole; every other message goes on as its bytes arrive.
 */
final class PgReadOnlyGuard extends ByteToMessageDecoder {
    static final String NAME = "read-only-guard";
    /** The refusal's SQLSTATE, the one a hot standby gives: read_only_sql_transaction. */
    static final String READ_ONLY_SQL_TRANSACTION = "25006";
    static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    /** pg_catalog.set_config(text, text, boolean), whose OID is fixed in pg_proc.dat. */
    static final int SET_CONFIG_OID = 2078;

    private final String endpointName;
    private final int maxStatement;
    private final String refusal;
    /** Bytes of a message that passes unseen, still to come. */
    private long passing;
    /** A length no message can have: boundaries are lost, so everything passes for the backend to refuse. */
    private boolean lost;

    PgReadOnlyGuard(String endpointName, int maxStatement) {
        this.endpointName = endpointName;
        this.maxStatement = maxStatement;
        this.refusal = refusal(endpointName);
    }

    /**
     * A statement the server answers with the refusal. The message names the endpoint, since on a
     * primary "during recovery" would not be true; the hint says where writes go.
     */
    static String refusal(String endpointName) {
        String message = "cannot set transaction read-write mode on reader endpoint \"" + endpointName + "\"";
        return "DO $auriga$BEGIN RAISE EXCEPTION USING ERRCODE = '" + READ_ONLY_SQL_TRANSACTION + "', MESSAGE = '"
                + message.replace("'", "''") + "', HINT = 'Writes go through the writer endpoint.'; END$auriga$";
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (lost) {
                out.add(in.readRetainedSlice(in.readableBytes()));
                return;
            }
            if (passing > 0) {
                int n = (int) Math.min(passing, in.readableBytes());
                out.add(in.readRetainedSlice(n));
                passing -= n;
                continue;
            }
            if (in.readableBytes() < 5) {
                return;
            }
            byte tag = in.getByte(in.readerIndex());
            int length = in.getInt(in.readerIndex() + 1);
            if (length < 4) {
                lost = true;
                continue;
            }
            if (tag != 'Q' && tag != 'P' && tag != 'F') {
                passing = length + 1L;
                continue;
            }
            if (length > maxStatement) {
                // Too long to check, and not to be passed unchecked: the session ends, saying why.
                in.skipBytes(in.readableBytes());
                lost = true;
                ctx.writeAndFlush(PgError.fatal(PROGRAM_LIMIT_EXCEEDED, "statement of " + length
                        + " bytes exceeds the limit of " + maxStatement + " bytes on reader endpoint \""
                        + endpointName + "\"").encode(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (in.readableBytes() < length + 1) {
                return;
            }
            out.add(checked(ctx, tag, in.readRetainedSlice(length + 1)));
        }
    }

    /** The message as it came, or rebuilt with its lifting statement replaced by the refusal. */
    private ByteBuf checked(ChannelHandlerContext ctx, byte tag, ByteBuf message) {
        if (tag == 'F') {
            return checkedCall(ctx, message);
        }
        int bodyAt = message.readerIndex() + 5;
        int end = message.writerIndex();
        int sqlAt = tag == 'P' ? message.indexOf(bodyAt, end, (byte) 0) + 1 : bodyAt;
        int sqlEnd = sqlAt <= 0 ? -1 : message.indexOf(sqlAt, end, (byte) 0);
        if (sqlEnd < 0) {
            return message; // malformed: the server says so
        }
        // Latin-1 maps each byte to one char: offsets stay byte offsets, whatever the client encoding.
        String sql = message.toString(sqlAt, sqlEnd - sqlAt, StandardCharsets.ISO_8859_1);
        ReadWriteStatements.Found found = ReadWriteStatements.find(sql);
        if (found == null) {
            return message;
        }
        ByteBuf rebuilt = ctx.alloc().buffer(message.readableBytes() + refusal.length());
        rebuilt.writeByte(tag).writeInt(0);
        rebuilt.writeBytes(message, bodyAt, sqlAt - bodyAt + found.start());
        rebuilt.writeCharSequence(refusal, StandardCharsets.ISO_8859_1);
        rebuilt.writeBytes(message, sqlAt + found.end(), end - sqlAt - found.end());
        rebuilt.setInt(1, rebuilt.readableBytes() - 1);
        message.release();
        return rebuilt;
    }

    /**
     * A FunctionCall of set_config that lifts read-only becomes a Query of the refusal: the
     * server answers both with ErrorResponse and ReadyForQuery, so the client sees a failed call.
     * Arguments are read as text, which for set_config's text arguments is also their binary form.
     */
    private ByteBuf checkedCall(ChannelHandlerContext ctx, ByteBuf message) {
        ByteBuf body = message.slice(message.readerIndex() + 5, message.readableBytes() - 5);
        try {
            if (body.readInt() != SET_CONFIG_OID) {
                return message;
            }
            body.skipBytes(2 * body.readShort());
            if (body.readShort() < 2) {
                return message;
            }
            String setting = textArgument(body);
            String value = textArgument(body);
            if (setting == null || !ReadWriteStatements.liftsSetting(setting, value)) {
                return message;
            }
        } catch (IndexOutOfBoundsException malformed) {
            return message; // the server says what is wrong with it
        }
        message.release();
        byte[] sql = refusal.getBytes(StandardCharsets.ISO_8859_1);
        return ctx.alloc().buffer(6 + sql.length).writeByte('Q').writeInt(4 + sql.length + 1).writeBytes(sql)
                .writeByte(0);
    }

    private static String textArgument(ByteBuf body) {
        int length = body.readInt();
        return length < 0 ? null : body.readCharSequence(length, StandardCharsets.UTF_8).toString();
    }
}
