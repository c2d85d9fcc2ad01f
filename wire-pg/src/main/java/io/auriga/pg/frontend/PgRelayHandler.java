package io.auriga.pg.frontend;

import io.auriga.core.LogText;
import io.auriga.core.admin.EndpointMetrics;
import io.auriga.pg.protocol.PgMessageScanner;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one direction of a session: each chunk read is scanned for message headers and
 * written to the peer as it came, without copying or decoding bodies. Writes are flushed once
 * per read burst. Backpressure: when the peer cannot take more, this side stops reading until the
 * peer's buffer drains ({@link #channelWritabilityChanged} on the peer's handler resumes it).
 */
final class PgRelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(PgRelayHandler.class);

    private final PgSession session;
    private Channel peer;
    private final PgMessageScanner scanner;
    private final boolean fromBackend;
    private final EndpointMetrics metrics;

    PgRelayHandler(PgSession session, Channel peer, PgMessageScanner scanner, boolean fromBackend) {
        this.session = session;
        this.peer = peer;
        this.scanner = scanner;
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
            scanner.scan(chunk);
            if (session.readOnlyLost(chunk)) {
                return;
            }
            int noticeAt = scanner.lastMessageStart();
            if (scanner.lastTag() == 'E' && noticeAt >= chunk.readerIndex() && scanner.atBoundary()
                    && session.shutdownNotice()) {
                // The backend's farewell ends this read: pass on what came before it, keep the notice.
                if (noticeAt > chunk.readerIndex()) {
                    peer.write(chunk.retainedSlice(chunk.readerIndex(), noticeAt - chunk.readerIndex()),
                            peer.voidPromise());
                    peer.flush();
                }
                boolean firstInRead = noticeAt == chunk.readerIndex();
                ByteBuf notice = chunk.retainedSlice(noticeAt, chunk.writerIndex() - noticeAt);
                chunk.release();
                session.backendShuttingDown(notice, scanner.previousTag() == 'Z', firstInRead);
                return;
            }
        } else {
            if (session.terminateKeepsBackend(chunk)) {
                chunk.release();
                return;
            }
            if (session.parks(chunk)) {
                return;
            }
            scanner.scan(chunk);
            if (session.detached()) {
                session.hold(chunk);
                return;
            }
        }
        if (fromBackend) {
            metrics.relayedToClient(chunk.readableBytes());
        } else {
            metrics.relayedFromClient(chunk.readableBytes());
            session.sentToBackend(chunk);
        }
        peer.write(chunk, peer.voidPromise());
        if (!peer.isWritable()) {
            // Stop reading before flushing: a flush that drains the peer at once fires the
            // writability event that resumes reading, and that must come after the pause.
            ctx.channel().config().setAutoRead(false);
            peer.flush();
        }
        if (fromBackend) {
            session.backendRelayed();
        }
    }

    /**
     * Relays a client chunk the session kept back while a switchover held new transactions, as
     * if it had just been read; the caller flushes.
     */
    void relayKept(ByteBuf chunk) {
        scanner.scan(chunk);
        if (session.detached()) {
            session.hold(chunk);
            return;
        }
        metrics.relayedFromClient(chunk.readableBytes());
        session.sentToBackend(chunk);
        peer.write(chunk, peer.voidPromise());
    }

    /** Sends this direction to another channel from now on (the session moved to a new backend). */
    void retarget(Channel newPeer) {
        this.peer = newPeer;
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
                LogText.escape(cause.toString()));
        ctx.close();
    }
}
