package io.auriga.pg.frontend;

import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.PgFrameDecoder;
import io.auriga.pg.protocol.PgMessages;
import io.auriga.pg.protocol.StartupPacket;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The first phase of a PostgreSQL client connection (protocol §55.2.1, §55.2.10, §55.2.8):
 * <pre>
 *   SSLRequest      → 'S' and TLS starts (or 'N' when TLS is off), then a StartupMessage follows
 *   GSSENCRequest   → 'N' (not supported), then SSLRequest or StartupMessage follows
 *   CancelRequest   → forwarded to the backend of the session that owns the key; closed once
 *                     the backend has closed the forwarded one (it has signalled the query)
 *   Terminate       → closed without a word, as PostgreSQL does
 *   StartupMessage  → checked; hands over to {@link PgAuthHandler}
 * </pre>
 */
final class PgStartupHandler extends SimpleChannelInboundHandler<StartupPacket> {
    /** Messages before the session is relayed are small: SASL responses and passwords. */
    private static final int MAX_AUTH_FRAME = 8192;

    private final PgSession session;

    PgStartupHandler(PgSession session) {
        this.session = session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session.startTimer();
        ctx.channel().closeFuture().addListener(f -> session.released());
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, StartupPacket packet) {
        if (packet instanceof StartupPacket.SslRequest) {
            sslRequest(ctx);
        } else if (packet instanceof StartupPacket.GssEncRequest) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
        } else if (packet instanceof StartupPacket.CancelRequest cancel) {
            // Closed only once the backend has the cancel, as the postmaster does: the client's next
            // statement must not be the one a late cancel hits.
            ctx.channel().config().setAutoRead(false);
            session.cancels().cancel(ctx.channel().eventLoop(), cancel.processId(), cancel.secretKey())
                    .addListener(f -> ctx.close());
        } else if (packet instanceof StartupPacket.Terminate) {
            session.leftBeforeStartup();
        } else if (packet instanceof StartupPacket.Invalid invalid) {
            session.fatal(PgError.fatal(invalid.code(), invalid.reason()), "refused startup packet");
        } else {
            startup(ctx, (StartupPacket.Startup) packet);
        }
    }

    private void sslRequest(ChannelHandlerContext ctx) {
        if (session.endpoint().sslContext() == null || session.tls()) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            return;
        }
        // 'S' must leave unencrypted: it has passed the pipeline before TLS is added at its head.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
        ctx.channel().attr(PgSession.TLS).set(Boolean.TRUE);
        ctx.pipeline().addFirst("tls", session.endpoint().sslContext().newHandler(ctx.alloc()));
    }

    private void startup(ChannelHandlerContext ctx, StartupPacket.Startup startup) {
        Map<String, String> parameters = new LinkedHashMap<>(startup.parameters());
        String user = parameters.get("user");
        if (user == null || user.isEmpty()) {
            session.fatal(PgError.fatal(PgError.INVALID_AUTHORIZATION,
                    "no PostgreSQL user name specified in startup packet"), "no user name");
            return;
        }
        if (session.endpoint().tlsRequired() && !session.tls()) {
            session.fatal(PgError.fatal(PgError.INVALID_AUTHORIZATION, "this endpoint requires TLS")
                    .withHint("connect with sslmode=require or stronger"), "plain-text connection refused");
            return;
        }
        List<String> unsupported = parameters.keySet().stream().filter(k -> k.startsWith("_pq_.")).toList();
        unsupported.forEach(parameters::remove);
        if (startup.minor() > 0 || !unsupported.isEmpty()) {
            ctx.write(PgMessages.negotiateProtocolVersion(ctx.alloc(), unsupported));
        }
        parameters.putIfAbsent("database", user);
        session.started(user, parameters.get("database"), parameters);
        ctx.pipeline().replace(PgFrontendInitializer.STARTUP_DECODER, PgFrontendInitializer.AUTH_DECODER,
                new PgFrameDecoder(MAX_AUTH_FRAME));
        ctx.pipeline().replace(this, PgFrontendInitializer.AUTH, new PgAuthHandler(session));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        session.fatal(PgError.fatal(PgError.PROTOCOL_VIOLATION, "invalid startup: " + cause.getMessage()),
                cause.toString());
    }
}
