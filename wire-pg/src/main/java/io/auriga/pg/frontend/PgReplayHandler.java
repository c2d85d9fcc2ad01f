package io.auriga.pg.frontend;

import io.auriga.core.session.ReplayOutcome;
import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.PgFrame;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.Promise;

/**
 * Swallows the answers to a session's replayed state on a fresh backend:
 * <pre>
 *   proxy → Query(SET ...)*, Parse*, Sync
 *   backend → CommandComplete/ParseComplete/ParameterStatus/Notice..., ReadyForQuery × n  ⇒ done
 *   backend → ErrorResponse                                                      ⇒ failed
 * </pre>
 * The client already holds the results of these statements, so none of this reaches it.
 */
final class PgReplayHandler extends SimpleChannelInboundHandler<PgFrame> {
    private final ReplayOutcome<Void> outcome;
    private int readiesLeft;

    PgReplayHandler(int readies, Promise<Void> done) {
        this.readiesLeft = readies;
        this.outcome = new ReplayOutcome<>(done);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        outcome.watch(ctx.channel());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, PgFrame frame) {
        if (frame.tag() == 'E') {
            outcome.error(PgError.describe(frame.body()));
        } else if (frame.tag() == 'Z' && --readiesLeft == 0) {
            outcome.answered(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        outcome.failed(cause);
        ctx.close();
    }
}
