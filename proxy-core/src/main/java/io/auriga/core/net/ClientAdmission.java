package io.auriga.core.net;

import io.auriga.core.net.ConnectionLimits.Admission;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.net.InetAddress;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits a client connection within {@link ConnectionLimits} before its protocol's handlers exist:
 * a refused one gets the refusal its protocol gives (PostgreSQL 53300, MySQL 1040) and is closed at
 * once, without a session, a startup timer or a backend. An admitted one is counted until it closes,
 * and as "in startup" until its session calls {@link #loggedIn(Channel)}.
 *
 * <pre>
 *   accept ─ admit? ─ no ─ refusal, close
 *                   └ yes ─ engine's initializer ─ … ─ loggedIn ─ … ─ close (counted off)
 * </pre>
 */
public final class ClientAdmission extends ChannelInitializer<SocketChannel> {
    /** The user event a session fires at its pipeline once it has logged in. */
    static final Object LOGGED_IN = new Object() {
        @Override
        public String toString() {
            return "LOGGED_IN";
        }
    };

    private static final Logger log = LoggerFactory.getLogger(ClientAdmission.class);

    private final String endpoint;
    private final ConnectionLimits limits;
    private final BiFunction<ByteBufAllocator, String, ByteBuf> refusal;
    private final ChannelHandler protocol;
    private final RateLimitedLog refusals;

    /**
     * @param refusal  the engine's refusal for a message, or null to close without a word
     * @param protocol the engine's initializer for admitted connections
     */
    public ClientAdmission(String endpoint, ConnectionLimits limits, BiFunction<ByteBufAllocator, String, ByteBuf> refusal,
                           ChannelHandler protocol, RateLimitedLog refusals) {
        this.endpoint = endpoint;
        this.limits = limits;
        this.refusal = refusal;
        this.protocol = protocol;
        this.refusals = refusals;
    }

    /** Tells the admission of {@code client} that its session has logged in; call it once, on its event loop. */
    public static void loggedIn(Channel client) {
        client.pipeline().fireUserEventTriggered(LOGGED_IN);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        InetAddress address = ch.remoteAddress().getAddress();
        Admission admission = limits.admit(address);
        if (admission == Admission.ADMITTED) {
            ch.pipeline().addLast(new Counted(address)).addLast(protocol);
            return;
        }
        String message = admission == Admission.TOO_MANY
                ? "too many connections: Auriga serves at most " + limits.maxConnections()
                        + " client connections (server.max-connections)"
                : "too many connections from " + address.getHostAddress() + " that have not logged in yet: at most "
                        + limits.maxStartupPerAddress() + " (server.max-startup-per-address)";
        refusals.log(log, "{}: refusing connections: {}", endpoint, message);
        ByteBuf answer = refusal == null ? null : refusal.apply(ch.alloc(), message);
        if (answer == null) {
            ch.close();
        } else {
            ch.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Counts one admitted connection off when it closes, and off "in startup" when it logs in. */
    private final class Counted extends ChannelInboundHandlerAdapter {
        private final InetAddress address;
        private boolean inStartup = true;
        private boolean closed;

        Counted(InetAddress address) {
            this.address = address;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event != LOGGED_IN) {
                super.userEventTriggered(ctx, event);
            } else if (inStartup && !closed) {
                inStartup = false;
                limits.loggedIn(address);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            countOff();
            super.channelInactive(ctx);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            countOff(); // a channel that closes before it was ever active is not seen by channelInactive
        }

        private void countOff() {
            if (!closed) {
                closed = true;
                limits.closed(address, inStartup);
            }
        }
    }
}
