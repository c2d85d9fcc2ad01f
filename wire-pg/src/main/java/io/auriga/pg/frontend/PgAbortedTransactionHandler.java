package io.auriga.pg.frontend;

import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.PgFrame;
import io.auriga.pg.protocol.PgMessageScanner;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Function;

/**
 * Stands in for the transaction a session lost in a failover. The session already runs on the
 * new primary, outside any transaction; the client still believes it is inside one. Until the
 * client ends it, this handler answers in the backend's place, as PostgreSQL answers inside an
 * aborted transaction (protocol §55.2.2 and §55.2.3):
 * <pre>
 *   Query(ROLLBACK | ABORT | COMMIT | END)       → CommandComplete "ROLLBACK", ReadyForQuery 'I'   ⇒ done
 *   Query(anything else)                         → ErrorResponse 40001, ReadyForQuery 'E'
 *   Parse/Bind/Describe/Execute/Close ... Sync   → the same, per batch: a batch that ends the
 *       transaction gets ParseComplete/BindComplete/NoData/CommandComplete/CloseComplete in turn
 * </pre>
 * SQLSTATE 40001 (serialization failure) tells drivers and frameworks the transaction may be
 * retried from the start. When the transaction is over the handler leaves the pipeline and the
 * relay carries on; any bytes it held go on in order.
 */
final class PgAbortedTransactionHandler extends SimpleChannelInboundHandler<PgFrame> {
    static final String DECODER = "aborted-decoder";
    static final String NAME = "aborted";

    private final PgError error;
    /** Looks up the SQL of a named prepared statement, for a Bind that names one. */
    private final Function<String, String> statementSql;
    private final java.util.function.Consumer<java.util.List<byte[]>> finished;
    /** Named statements parsed here, by name, and their Parse bodies, for the backend to learn later. */
    private final java.util.Map<String, String> parsedSql = new java.util.HashMap<>();
    private final java.util.List<byte[]> parsedBodies = new java.util.ArrayList<>();
    private ByteBuf batchReplies;
    private boolean batchFailed;
    private boolean batchEnds;
    private String lastParsed;

    PgAbortedTransactionHandler(PgError error, Function<String, String> statementSql,
                                java.util.function.Consumer<java.util.List<byte[]>> finished) {
        this.error = error;
        this.statementSql = statementSql;
        this.finished = finished;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, PgFrame frame) {
        ByteBuf body = frame.body();
        switch (frame.tag()) {
            case 'Q' -> query(ctx, PgMessages.readCString(body));
            case 'X' -> ctx.close();
            case 'S' -> sync(ctx);
            case 'H' -> {
            }
            default -> extended(ctx, frame.tag(), body);
        }
    }

    private void query(ChannelHandlerContext ctx, String sql) {
        if (endsTransaction(sql)) {
            ctx.write(commandComplete(ctx, "ROLLBACK"));
            ctx.writeAndFlush(PgMessages.readyForQuery(ctx.alloc(), PgMessageScanner.IDLE));
            leave(ctx);
        } else {
            ctx.write(error.encode(ctx.alloc()));
            ctx.writeAndFlush(PgMessages.readyForQuery(ctx.alloc(), (byte) 'E'));
        }
    }

    private void extended(ChannelHandlerContext ctx, byte tag, ByteBuf body) {
        if (batchFailed) {
            return;
        }
        if (batchReplies == null) {
            batchReplies = ctx.alloc().buffer();
        }
        switch (tag) {
            case 'P' -> {
                int start = body.readerIndex();
                String name = PgMessages.readCString(body);
                lastParsed = PgMessages.readCString(body);
                batchEnds = endsTransaction(lastParsed);
                if (batchEnds && name != null && !name.isEmpty()) {
                    // The client now believes this statement exists on the server; it must, later.
                    parsedSql.put(name, lastParsed);
                    byte[] whole = new byte[body.writerIndex() - start];
                    body.getBytes(start, whole);
                    parsedBodies.add(whole);
                }
                batchReplies.writeByte('1').writeInt(4);
            }
            case 'B' -> {
                PgMessages.readCString(body);
                String statement = PgMessages.readCString(body);
                String sql = statement == null || statement.isEmpty() ? lastParsed
                        : parsedSql.getOrDefault(statement, statementSql.apply(statement));
                batchEnds = endsTransaction(sql);
                batchReplies.writeByte('2').writeInt(4);
            }
            case 'D' -> batchReplies.writeByte('n').writeInt(4);
            case 'E' -> {
                ByteBuf complete = commandComplete(ctx, "ROLLBACK");
                batchReplies.writeBytes(complete);
                complete.release();
            }
            case 'C' -> batchReplies.writeByte('3').writeInt(4);
            default -> {
            }
        }
        if (!batchEnds && tag != 'C') {
            // Anything but ending the transaction fails, and the rest of the batch is skipped.
            batchFailed = true;
            parsedBodies.clear();
            batchReplies.clear();
            batchReplies.writeBytes(error.encode(ctx.alloc()));
        }
    }

    private void sync(ChannelHandlerContext ctx) {
        boolean ended = !batchFailed && batchEnds;
        if (batchReplies != null) {
            ctx.write(batchReplies);
            batchReplies = null;
        }
        ctx.writeAndFlush(PgMessages.readyForQuery(ctx.alloc(), ended ? PgMessageScanner.IDLE : (byte) 'E'));
        batchFailed = false;
        batchEnds = false;
        if (ended) {
            leave(ctx);
        }
    }

    private void leave(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
        // Removing the decoder last hands the bytes it still holds to the relay, in order.
        ctx.pipeline().remove(DECODER);
        finished.accept(parsedBodies);
    }

    static boolean endsTransaction(String sql) {
        if (sql == null) {
            return false;
        }
        String s = sql.strip().toUpperCase(Locale.ROOT);
        if (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        return s.equals("ROLLBACK") || s.equals("ABORT") || s.equals("COMMIT") || s.equals("END")
                || s.equals("ROLLBACK TRANSACTION") || s.equals("ROLLBACK WORK") || s.equals("COMMIT TRANSACTION")
                || s.equals("COMMIT WORK");
    }

    private static ByteBuf commandComplete(ChannelHandlerContext ctx, String tag) {
        byte[] b = tag.getBytes(StandardCharsets.US_ASCII);
        return ctx.alloc().buffer(6 + b.length).writeByte('C').writeInt(4 + b.length + 1).writeBytes(b).writeByte(0);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (batchReplies != null) {
            batchReplies.release();
            batchReplies = null;
        }
    }
}
