package io.auriga.mysql.backend;

import io.auriga.core.admin.EndpointMetrics;
import io.auriga.core.net.PeerHangup;
import io.auriga.core.topology.InstanceState;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.MySqlPacket;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.OkPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *   a client logs in             → a kept connection with its key on its event loop, if any
 * </pre>
 * Connections stay on the event loop that opened them (the pool is per loop and touched only from
 * it), so a session still never hops threads. Only a login with the same password hash finds a
 * connection, so a changed password never reaches an old one.
 */
public final class BackendPool {
    private static final Logger log = LoggerFactory.getLogger(BackendPool.class);
    private static final int MAX_RESET_ANSWER = 1 << 16;
    static final String DECODER = "my-pool-decoder";
    static final String KEEPER = "my-pool";

    private final int size;
    private final Duration idleTimeout;
    private final Duration resetTimeout;
    private final Map<EventLoop, Map<Key, ArrayDeque<Kept>>> byLoop = new ConcurrentHashMap<>();
    private final EndpointMetrics metrics;

    /**
     * @param size         connections kept per key and event loop; 0 keeps none
     * @param idleTimeout  how long a kept connection waits for a client
     * @param resetTimeout how long the backend may take to answer the reset
     * @param metrics      the endpoint's counters, which count the connections handed out again
     */
    public BackendPool(int size, Duration idleTimeout, Duration resetTimeout, EndpointMetrics metrics) {
        this.size = size;
        this.idleTimeout = idleTimeout;
        this.resetTimeout = resetTimeout;
        this.metrics = metrics;
    }

    /** False when the pool keeps nothing ({@code pool-size: 0}). */
    public boolean enabled() {
        return size > 0;
    }

    /**
     * A kept connection to {@code instance} logged in as {@code login}, taken out of the pool with
     * auto-read off and no handlers left, or null. Call on {@code loop}.
     */
    public MySqlBackend take(EventLoop loop, InstanceState instance, BackendLogin login) {
        Map<Key, ArrayDeque<Kept>> kept = byLoop.get(loop);
        ArrayDeque<Kept> queue = kept == null ? null : kept.get(new Key(instance.name(), login));
        while (queue != null && !queue.isEmpty()) {
            Kept k = queue.pollLast();
            k.idle.cancel(false);
            Channel ch = k.backend.channel();
            if (!ch.isActive() || PeerHangup.seen(ch)) {
                ch.close();
                continue;
            }
            ch.config().setAutoRead(false);
            ch.pipeline().remove(KEEPER);
            ch.pipeline().remove(DECODER);
            metrics.backendReused();
            return new MySqlBackend(ch, instance, k.backend.threadId(), k.backend.okPayload());
        }
        return null;
    }

    /**
     * Takes back the connection of a client that left with its backend idle, between statements:
     * resets it and keeps it, or closes it. The caller has removed its handlers from the channel.
     *
     * @param login the login as it stands now (the schema the session last chose)
     */
    public void give(MySqlBackend backend, BackendLogin login) {
        Channel ch = backend.channel();
        // A reset would also lift a reader session's read-only setting: such logins are not kept.
        if (!enabled() || !ch.isActive() || login.readOnly()) {
            ch.close();
            return;
        }
        Key key = new Key(backend.instance().name(), login);
        EventLoop loop = ch.eventLoop();
        ArrayDeque<Kept> queue = byLoop.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(key,
                k -> new ArrayDeque<>());
        if (queue.size() >= size) {
            ch.close();
            return;
        }
        Keeper keeper = new Keeper(backend, key, queue);
        ch.pipeline().addLast(DECODER, new MySqlPacketDecoder(MAX_RESET_ANSWER));
        ch.pipeline().addLast(KEEPER, keeper);
        ByteBuf payload = ch.alloc().buffer(1).writeByte(Command.COM_RESET_CONNECTION);
        try {
            ch.writeAndFlush(MySqlPackets.frame(ch.alloc(), 0, payload));
        } finally {
            payload.release();
        }
        keeper.timer = loop.schedule(() -> keeper.drop("no answer to the reset within " + resetTimeout.toMillis()
                + " ms"), resetTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ch.config().setAutoRead(true);
    }

    /** A connection in the pool, or on its way in. */
    private record Kept(MySqlBackend backend, ScheduledFuture<?> idle) {
    }

    /** Waits for the reset's OK, then watches the kept connection until a client takes it. */
    private final class Keeper extends SimpleChannelInboundHandler<MySqlPacket> {
        private final MySqlBackend backend;
        private final Key key;
        private final ArrayDeque<Kept> queue;
        private ScheduledFuture<?> timer;
        private Kept kept;

        Keeper(MySqlBackend backend, Key key, ArrayDeque<Kept> queue) {
            this.backend = backend;
            this.key = key;
            this.queue = queue;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MySqlPacket packet) {
            ByteBuf payload = packet.payload();
            boolean ok = payload.isReadable() && payload.getUnsignedByte(payload.readerIndex()) == OkPacket.HEADER;
            if (kept != null || !ok || queue.size() >= size) {
                // A kept connection speaks only to end (a timeout, a shutdown); a failed reset is not reused.
                drop(kept != null ? "the server spoke while the connection was kept" : ok ? "the pool is full"
                        : "the reset was refused");
                return;
            }
            timer.cancel(false);
            ScheduledFuture<?> idle = ctx.channel().eventLoop().schedule(() -> drop("idle for "
                    + idleTimeout.toMillis() + " ms"), idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
            kept = new Kept(backend, idle);
            queue.addLast(kept);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            drop("closed by the server");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            drop(cause.toString());
        }

        void drop(String why) {
            if (kept != null) {
                queue.remove(kept);
                kept.idle.cancel(false);
            }
            if (timer != null) {
                timer.cancel(false);
            }
            Channel ch = backend.channel();
            if (ch.isOpen()) {
                log.debug("kept connection to {} (thread {}, user {}) closed: {}", backend.instance().name(),
                        backend.threadId(), key.user, why);
                ch.close();
            }
        }
    }

    /** What a backend connection's session is bound to by its login; connection attributes are not. */
    private static final class Key {
        private final String instance;
        private final String user;
        private final byte[] stage1;
        private final String database;
        private final long capabilities;
        private final int characterSet;
        private final long maxPacketSize;
        private final int hash;

        Key(String instance, BackendLogin login) {
            this.instance = instance;
            this.user = login.user();
            this.stage1 = login.stage1();
            this.database = login.database();
            this.capabilities = login.capabilities();
            this.characterSet = login.characterSet();
            this.maxPacketSize = login.maxPacketSize();
            this.hash = Objects.hash(instance, user, Arrays.hashCode(stage1), database, capabilities, characterSet,
                    maxPacketSize);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && instance.equals(k.instance) && user.equals(k.user)
                    && Arrays.equals(stage1, k.stage1) && Objects.equals(database, k.database)
                    && capabilities == k.capabilities && characterSet == k.characterSet
                    && maxPacketSize == k.maxPacketSize;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
