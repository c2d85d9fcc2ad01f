package io.auriga.mysql.frontend;

import io.auriga.core.admin.EndpointMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one direction of a MySQL session: each chunk read is framed (client side, see
 * {@link ClientCommandFramer}) or scanned (backend side) for packet headers and written to the
 * peer as it came, without copying or decoding bodies. Writes are flushed once per read burst.
 * Backpressure: when the peer cannot take more, this side stops reading until the peer's buffer
 * drains ({@link #channelWritabilityChanged} on the peer's handler resumes it).
 */
final class MySqlRelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(MySqlRelayHandler.class);

    private final MySqlSession session;
    private final Channel peer;
    private final boolean fromBackend;
    private final EndpointMetrics metrics;

    MySqlRelayHandler(MySqlSession session, Channel peer, boolean fromBackend) {
        this.session = session;
        this.peer = peer;
        this.fromBackend = fromBackend;
        this.metrics = session.endpoint().metrics();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf chunk)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (fromBackend) {
            session.fromBackend(chunk);
            metrics.relayedToClient(chunk.readableBytes());
            peer.write(chunk, peer.voidPromise());
        } else {
            metrics.relayedFromClient(chunk.readableBytes());
            session.fromClient(chunk, new ClientCommandFramer.Sink() {
                @Override
                public void forward(ByteBuf slice) {
                    peer.write(slice, peer.voidPromise());
                }

                @Override
                public boolean message(int sequenceId, int length, ByteBuf payload) {
                    return session.clientMessage(sequenceId, length, payload);
                }
            });
        }
        if (!peer.isWritable()) {
            // Stop reading before flushing: a flush that drains the peer at once fires the
            // writability event that resumes reading, and that must come after the pause.
            ctx.channel().config().setAutoRead(false);
            peer.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (fromBackend) {
            session.backendClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.info("{}: {} connection failed: {}", session.describe(), fromBackend ? "backend" : "client",
                cause.toString());
        ctx.close();
    }
}
