package io.auriga.pg.frontend;

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
    private final Promise<Void> done;
    private int readiesLeft;
    private String error;

    PgReplayHandler(int readies, Promise<Void> done) {
        this.readiesLeft = readies;
        this.done = done;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, PgFrame frame) {
        if (frame.tag() == 'E' && error == null) {
            error = PgError.describe(frame.body());
        } else if (frame.tag() == 'Z' && --readiesLeft == 0) {
            if (error == null) {
                done.trySuccess(null);
            } else {
                done.tryFailure(new IllegalStateException("replaying the session's state failed: " + error));
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        done.tryFailure(new IllegalStateException("the new backend closed while the session's state was replayed"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        done.tryFailure(cause);
        ctx.close();
    }
}
