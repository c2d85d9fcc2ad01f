package io.auriga.mysql.frontend;

import io.auriga.core.LogText;
import io.auriga.core.admin.EndpointMetrics;
import io.auriga.core.net.PeerHangup;
import io.auriga.mysql.protocol.CompressedPacketCodec;
import io.auriga.mysql.protocol.MySqlErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one direction of a MySQL session: each chunk read is framed (client side, see
 * {@link ClientCommandFramer}) or scanned (backend side) for packet headers and written to the
 * peer as it came, without copying or decoding bodies. Writes are flushed once per read burst.
 * Backpressure: when the peer cannot take more, this side stops reading until the peer's buffer
 * drains ({@link #channelWritabilityChanged} on the peer's handler resumes it). The client side's
 * peer is whichever backend serves the session now ({@link MySqlSession#backendChannel()}): a
 * session may move to another backend.
 */
final class MySqlRelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(MySqlRelayHandler.class);

    private final MySqlSession session;
    /** The client, for the backend side; null for the client side. */
    private final Channel client;
    private final EndpointMetrics metrics;

    /** @param client the client channel on the backend side's handler, null on the client side's */
    MySqlRelayHandler(MySqlSession session, Channel client) {
        this.session = session;
        this.client = client;
        this.metrics = session.endpoint().metrics();
    }

    private boolean fromBackend() {
        return client != null;
    }

    private Channel peer() {
        return fromBackend() ? client : session.backendChannel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf chunk)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (fromBackend()) {
            if (session.unsolicited(chunk)) {
                return;
            }
            if (!session.fromBackend(chunk)) {
                log.warn("{}: a prepared statement's id to rewrite was split across reads; closing the session",
                        session.describe());
                chunk.release();
                client.close();
                return;
            }
            ByteBuf relayed = session.backstopped(chunk);
            if (relayed == null) {
                return;
            }
            metrics.relayedToClient(relayed.readableBytes());
            client.write(relayed, client.voidPromise());
            session.backendRelayed();
        } else {
            metrics.relayedFromClient(chunk.readableBytes());
            session.fromClient(chunk);
        }
        Channel peer = peer();
        if (peer != null && !peer.isWritable()) {
            // Stop reading before flushing: a flush that drains the peer at once fires the
            // writability event that resumes reading, and that must come after the pause.
            ctx.channel().config().setAutoRead(false);
            peer.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel peer = peer();
        if (peer != null) {
            peer.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel peer = peer();
        if (ctx.channel().isWritable() && peer != null) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (fromBackend()) {
            session.backendClosed(ctx.channel());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ClosedChannelException) {
            // A write that lost the race with a close the session chose: the close is what counts.
            log.debug("{}: write to a closed {} connection dropped", session.describe(),
                    fromBackend() ? "backend" : "client");
            return;
        }
        if (!fromBackend() && cause instanceof CompressedPacketCodec.BadCompressedPacket) {
            // A compressed packet that does not inflate: the client gets the server's error, then a close.
            session.fatal(MySqlErrors.uncompressError(cause.getMessage()), 1,
                    "bad compressed packet from the client");
            return;
        }
        log.info("{}: {} connection failed: {}", session.describe(), fromBackend() ? "backend" : "client",
                LogText.escape(cause.toString()));
        if (fromBackend() && PeerHangup.isReset(cause)) {
            session.backendReset(ctx.channel());
        }
        ctx.close();
    }
}
