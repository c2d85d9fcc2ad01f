package io.auriga.mysql.backend;

import io.auriga.core.admin.EndpointMetrics;
import io.auriga.core.net.KeptBackends;
import io.auriga.core.topology.InstanceState;
import io.auriga.mysql.auth.BackendSecret;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.MySqlPacket;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.OkPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Backend connections whose clients left between statements, kept for the next client that logs in
 * the same way, so that a connect-per-request load (PHP, CGI, serverless functions, health checks)
 * skips the backend's TCP connect, greeting and login:
 * <pre>
 *   client leaves, backend idle  → COM_RESET_CONNECTION (rolls back, drops temporary tables, releases
 *                                  locks, clears variables and prepared statements; keeps the schema
 *                                  and the login's character set)
 *        OK                      → kept, under the key (instance, user, SHA1(password), schema,
 *                                  character set, capabilities, max packet size)
 *        anything else, no answer within the connect timeout, pool full → closed
 *   a kept connection that closes, says anything, or waits past the idle timeout → dropped, closed
 *   a client logs in             → a kept connection with its key on its event loop, if any, which the
 *                                  connector logs in again for that client ({@link MySqlChangeUser}) and
 *                                  gives back what its login flags set ({@link #restoreLoginSettings})
 * </pre>
 * Only a login with the same password hash finds a connection, so a changed password never reaches
 * an old one. The keeping itself is {@link KeptBackends}'.
 */
public final class BackendPool {
    private static final int MAX_RESET_ANSWER = 1 << 16;

    /** COM_RESET_CONNECTION, answered with one OK or ERR packet. */
    private static final KeptBackends.Reset RESET = new KeptBackends.Reset() {
        @Override
        public ChannelHandler decoder() {
            return new MySqlPacketDecoder(MAX_RESET_ANSWER);
        }

        @Override
        public ByteBuf request(ByteBufAllocator alloc) {
            ByteBuf payload = alloc.buffer(1).writeByte(Command.COM_RESET_CONNECTION);
            try {
                return MySqlPackets.frame(alloc, 0, payload);
            } finally {
                payload.release();
            }
        }

        @Override
        public KeptBackends.Verdict judge(Object message) {
            ByteBuf payload = message instanceof MySqlPacket packet ? packet.payload() : null;
            return payload != null && payload.isReadable()
                    && payload.getUnsignedByte(payload.readerIndex()) == OkPacket.HEADER
                    ? KeptBackends.Verdict.DONE : KeptBackends.Verdict.REFUSED;
        }
    };

    private static final String REFRESH_DECODER = "refresh-decoder";
    private static final String REFRESH = "refresh";

    private final KeptBackends<Key, MySqlBackend> kept;
    private final Duration resetTimeout;

    /**
     * @param size         connections kept per key and event loop; 0 keeps none
     * @param idleTimeout  how long a kept connection waits for a client
     * @param resetTimeout how long the backend may take to answer the reset
     * @param metrics      the endpoint's counters, which count the connections handed out again
     */
    public BackendPool(int size, Duration idleTimeout, Duration resetTimeout, EndpointMetrics metrics) {
        this.kept = new KeptBackends<>(size, idleTimeout, resetTimeout, metrics, RESET, MySqlBackend::channel);
        this.resetTimeout = resetTimeout;
    }

    /** False when the pool keeps nothing ({@code pool-size: 0}). */
    public boolean enabled() {
        return kept.enabled();
    }

    /**
     * A kept connection to {@code instance} logged in as {@code login}, taken out of the pool with
     * auto-read off and no handlers left, or null. Call on {@code loop}.
     */
    public MySqlBackend take(EventLoop loop, InstanceState instance, BackendLogin login) {
        MySqlBackend backend = kept.take(loop, new Key(instance.name(), login));
        return backend == null ? null : new MySqlBackend(backend.channel(), instance, backend.threadId(),
                backend.okPayload());
    }

    /**
     * Gives a kept connection, just logged in again for a new client (which reset its session to the
     * server's global values as they are now), what the server derives from a login's capability flags
     * at connect but not at a change of user: {@code IGNORE_SPACE} in {@code sql_mode} for
     * CLIENT_IGNORE_SPACE, {@code wait_timeout} from {@code interactive_timeout} for CLIENT_INTERACTIVE.
     * Completes with the connection (auto-read off, no handlers left) at once when there is nothing to
     * set; fails, the connection closed, when the server refuses, closes the connection or does not
     * answer within the reset timeout.
     */
    public Future<MySqlBackend> restoreLoginSettings(MySqlBackend backend, BackendLogin login) {
        String loginSettings = loginSettings(login.capabilities());
        Channel ch = backend.channel();
        if (loginSettings == null) {
            return ch.eventLoop().newSucceededFuture(backend);
        }
        Promise<MySqlBackend> refreshed = ch.eventLoop().newPromise();
        ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> refreshed.tryFailure(new MySqlBackendLoginException(
                "no answer to " + loginSettings + " within " + resetTimeout.toMillis() + " ms", (ErrPacket) null)),
                resetTimeout.toMillis(), TimeUnit.MILLISECONDS);
        refreshed.addListener(f -> {
            timer.cancel(false);
            ch.config().setAutoRead(false);
            if (ch.pipeline().get(REFRESH) != null) {
                ch.pipeline().remove(REFRESH);
                ch.pipeline().remove(REFRESH_DECODER);
            }
            if (!f.isSuccess()) {
                ch.close();
            }
        });
        ch.pipeline().addLast(REFRESH_DECODER, RESET.decoder());
        ch.pipeline().addLast(REFRESH, new SimpleChannelInboundHandler<Object>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, Object message) {
                if (RESET.judge(message) == KeptBackends.Verdict.DONE) {
                    refreshed.trySuccess(backend);
                } else {
                    refreshed.tryFailure(new MySqlBackendLoginException("the server refused " + loginSettings,
                            (ErrPacket) null));
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                refreshed.tryFailure(new MySqlBackendLoginException("closed by the server", (ErrPacket) null));
                ctx.fireChannelInactive();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                refreshed.tryFailure(cause);
            }
        });
        ByteBuf payload = ch.alloc().buffer().writeByte(Command.COM_QUERY);
        payload.writeCharSequence(loginSettings, StandardCharsets.UTF_8);
        ch.writeAndFlush(MySqlPackets.frame(ch.alloc(), 0, payload));
        payload.release();
        ch.config().setAutoRead(true);
        return refreshed;
    }

    /** What a login with {@code capabilities} sets in the session that a reset drops; null when nothing. */
    static String loginSettings(long capabilities) {
        List<String> settings = new ArrayList<>();
        if ((capabilities & Capabilities.CLIENT_IGNORE_SPACE) != 0) {
            settings.add("SESSION sql_mode = CONCAT_WS(',', NULLIF(@@session.sql_mode, ''), 'IGNORE_SPACE')");
        }
        if ((capabilities & Capabilities.CLIENT_INTERACTIVE) != 0) {
            settings.add("SESSION wait_timeout = @@global.interactive_timeout");
        }
        return settings.isEmpty() ? null : "SET " + String.join(", ", settings);
    }

    /**
     * Takes back the connection of a client that left with its backend idle, between statements:
     * resets it and keeps it, or closes it. The caller has removed its handlers from the channel.
     *
     * @param login the login as it stands now (the schema the session last chose)
     */
    public void give(MySqlBackend backend, BackendLogin login) {
        // A reset would also lift a reader session's read-only setting: such logins are not kept.
        if (login.readOnly()) {
            backend.channel().close();
            return;
        }
        kept.give(backend, new Key(backend.instance().name(), login), "to " + backend.instance().name()
                + " (thread " + backend.threadId() + ", user " + login.user() + ")");
    }

    /** What a backend connection's session is bound to by its login; connection attributes are not. */
    private static final class Key {
        private final String instance;
        private final String user;
        private final BackendSecret secret;
        private final String database;
        private final long capabilities;
        private final int characterSet;
        private final long maxPacketSize;
        private final int hash;

        Key(String instance, BackendLogin login) {
            this.instance = instance;
            this.user = login.user();
            this.secret = login.secret();
            this.database = login.database();
            this.capabilities = login.capabilities();
            this.characterSet = login.characterSet();
            this.maxPacketSize = login.maxPacketSize();
            this.hash = Objects.hash(instance, user, secret, database, capabilities, characterSet,
                    maxPacketSize);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && instance.equals(k.instance) && user.equals(k.user)
                    && secret.equals(k.secret) && Objects.equals(database, k.database)
                    && capabilities == k.capabilities && characterSet == k.characterSet
                    && maxPacketSize == k.maxPacketSize;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
