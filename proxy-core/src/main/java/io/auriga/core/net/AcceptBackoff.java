package io.auriga.core.net;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on a listening channel and, when accepting fails for want of descriptors ({@code EMFILE},
 * {@code ENFILE}), stops accepting for {@link #PAUSE} and logs one line per interval instead of a
 * stack trace per attempt. The listening socket stays readable while the backlog holds connections,
 * so an acceptor that kept trying would spin on the event loop that also serves every session, and
 * each failure would reach the log as a stack trace. Other accept failures go on down the pipeline.
 */
@Sharable
public final class AcceptBackoff extends ChannelInboundHandlerAdapter {
    /** Long enough for closing sessions to give descriptors back, short enough that clients barely notice. */
    public static final Duration PAUSE = Duration.ofMillis(500);

    private static final Logger log = LoggerFactory.getLogger(AcceptBackoff.class);

    private final String listener;
    private final RateLimitedLog warnings;

    public AcceptBackoff(String listener, RateLimitedLog warnings) {
        this.listener = listener;
        this.warnings = warnings;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (!outOfDescriptors(cause)) {
            super.exceptionCaught(ctx, cause);
            return;
        }
        warnings.log(log, "{}: cannot accept connections: {}; pausing accept for {} ms (raise the descriptor limit, "
                + "ulimit -n, or lower server.max-connections)", listener, cause.getMessage(), PAUSE.toMillis());
        if (ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            ctx.executor().schedule(() -> {
                if (ctx.channel().isOpen()) {
                    ctx.channel().config().setAutoRead(true);
                }
            }, PAUSE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    static boolean outOfDescriptors(Throwable cause) {
        if (!(cause instanceof IOException) || cause.getMessage() == null) {
            return false;
        }
        String message = cause.getMessage().toLowerCase(Locale.ROOT);
        return message.contains("too many open files");
    }
}
