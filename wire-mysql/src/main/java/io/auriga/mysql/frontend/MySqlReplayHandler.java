package io.auriga.mysql.frontend;

import io.auriga.core.session.ReplayOutcome;
import io.auriga.mysql.backend.MySqlBackend;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.MySqlPacket;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.OkPacket;
import io.auriga.mysql.protocol.ResponseTracker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Swallows the answers to a session's replayed state on a fresh backend and collects the ids the
 * backend gave the statements prepared again:
 * <pre>
 *   proxy   → COM_QUERY(SET …)*, [COM_SET_OPTION], COM_STMT_PREPARE*   (pipelined)
 *   backend → OK* , PREPARE_OK(id, columns, params) + definitions ...   ⇒ done (ids in order)
 *   backend → ERR for any of them                                       ⇒ failed
 * </pre>
 * The client already holds the results of these commands, so none of this reaches it.
 */
final class MySqlReplayHandler extends SimpleChannelInboundHandler<MySqlPacket> {
    private static final String NAME = "replay";
    private static final String DECODER = "replay-decoder";
    /** Column definitions are small; anything larger is not an answer to a replayed command. */
    private static final int MAX_PACKET = 1 << 20;

    /** A statement prepared again: its new id and the shape the backend reported. */
    record Prepared(long id, int columns, int params) {
    }

    /** What the replay produced: the statements' new ids in replay order, and the last status flags. */
    record Result(List<Prepared> statements, int statusFlags) {
        /** Why the statements prepared again do not match what the client holds, or null when they do. */
        String mismatch(List<PreparedStatements.Statement> kept) {
            if (statements.size() != kept.size()) {
                return statements.size() + " statement(s) prepared again for " + kept.size();
            }
            for (int i = 0; i < kept.size(); i++) {
                PreparedStatements.Statement k = kept.get(i);
                Prepared again = statements.get(i);
                if (k.columns() != again.columns() || k.params() != again.params()) {
                    return "prepared statement " + k.clientId() + " now has " + again.columns() + " column(s) and "
                            + again.params() + " parameter(s), not " + k.columns() + " and " + k.params();
                }
            }
            return null;
        }
    }

    private final ResponseTracker tracker;
    private final ReplayOutcome<Result> outcome;
    private final List<Prepared> prepared = new ArrayList<>();

    MySqlReplayHandler(long capabilities, List<byte[]> commands, Promise<Result> done) {
        this.tracker = new ResponseTracker(capabilities);
        this.outcome = new ReplayOutcome<>(done);
        for (byte[] command : commands) {
            tracker.clientMessage(0, command.length, Unpooled.wrappedBuffer(command));
        }
    }

    /**
     * Sends {@code commands} to {@code fresh} (a logged-in backend with auto-read off and no
     * handlers) and completes with what they produced; the handlers are gone and auto-read is off
     * again when the future completes successfully.
     */
    static Future<Result> replay(MySqlBackend fresh, long capabilities, List<byte[]> commands, long timeoutMillis) {
        Channel ch = fresh.channel();
        Promise<Result> done = ch.eventLoop().newPromise();
        if (commands.isEmpty()) {
            return done.setSuccess(new Result(List.of(), -1));
        }
        ch.pipeline().addLast(DECODER, new MySqlPacketDecoder(MAX_PACKET));
        ch.pipeline().addLast(NAME, new MySqlReplayHandler(capabilities, commands, done));
        ScheduledFuture<?> timeout = ch.eventLoop().schedule(() -> done.tryFailure(
                new IllegalStateException("replaying the session's state timed out after " + timeoutMillis + " ms")),
                timeoutMillis, TimeUnit.MILLISECONDS);
        done.addListener(f -> {
            timeout.cancel(false);
            if (f.isSuccess()) {
                ch.config().setAutoRead(false);
                ch.pipeline().remove(NAME);
                ch.pipeline().remove(DECODER);
            }
        });
        for (byte[] command : commands) {
            ch.write(MySqlPackets.frame(ch.alloc(), 0, Unpooled.wrappedBuffer(command)));
        }
        ch.flush();
        ch.config().setAutoRead(true);
        return done;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MySqlPacket packet) {
        ByteBuf payload = packet.payload();
        int at = payload.readerIndex();
        int header = payload.isReadable() ? payload.getUnsignedByte(at) : -1;
        if (tracker.awaitsPrepare() && header == OkPacket.HEADER && payload.readableBytes() >= 9) {
            prepared.add(new Prepared(payload.getUnsignedIntLE(at + 1), payload.getUnsignedShortLE(at + 5),
                    payload.getUnsignedShortLE(at + 7)));
        } else if (header == ErrPacket.HEADER) {
            ErrPacket err = ErrPacket.decode(payload.duplicate());
            outcome.error(err.errorCode() + " (" + err.sqlState() + ") " + err.message());
        }
        tracker.serverMessage(payload.readableBytes(), payload);
        if (tracker.quiet()) {
            outcome.answered(new Result(List.copyOf(prepared), tracker.statusFlags()));
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        outcome.watch(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        outcome.failed(cause);
        ctx.close();
    }
}
