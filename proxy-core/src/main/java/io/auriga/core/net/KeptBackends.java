package io.auriga.core.net;

import io.auriga.core.admin.EndpointMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backend connections whose clients left between statements, kept for the next client that logs in
 * the same way, so that a connect-per-request load (PHP, CGI, serverless functions, health checks)
 * skips the backend's TCP connect, greeting and login:
 * <pre>
 *   client leaves, backend idle  → the engine's reset request ({@link Reset})
 *        reset done              → kept under the login's key
 *        refused, no answer within the reset timeout, pool full → closed
 *   a kept connection that closes, says anything, or waits past the idle timeout → dropped, closed
 *   a client logs in             → a kept connection with its key on its event loop (the newest), if any
 *   {@link #stale}               → every kept connection closed; none opened before is kept again
 * </pre>
 * Connections stay on the event loop that opened them (the pool is per loop and touched only from
 * it), so a session still never hops threads. The key is the engine's: whatever binds a backend
 * session at login (instance, user, a proof of the password, database, settings sent at login).
 * What the server binds at the start of a session beyond the login (defaults set for a role or a
 * database since) is not in the key: whoever sees it change calls {@link #stale}, so that a client never
 * gets a session older than a change it could have seen on a new connection.
 *
 * @param <K> the login key
 * @param <B> the engine's backend connection
 */
public final class KeptBackends<K, B> {
    private static final Logger log = LoggerFactory.getLogger(KeptBackends.class);
    public static final String DECODER = "pool-decoder";
    public static final String KEEPER = "pool-keeper";

    /** What a message from the server says about the reset. */
    public enum Verdict {
        /** The reset is done: the connection can be kept. */
        DONE,
        /** Part of the answer: wait for the rest. */
        MORE,
        /** The reset failed or the answer is not one: close the connection. */
        REFUSED
    }

    /** How an engine resets a backend session and reads the answer. */
    public interface Reset {
        /** A new handler that frames the server's messages, installed ahead of the pool's own. */
        ChannelHandler decoder();

        /** The request that resets the session, framed for the wire. */
        ByteBuf request(ByteBufAllocator alloc);

        /** What {@code message}, framed by {@link #decoder()}, says; the pool releases it. */
        Verdict judge(Object message);

        /**
         * The reset of one connection. An engine whose answer comes in several parts returns a fresh
         * one that follows them; the default judges every message alone.
         */
        default Reset begin() {
            return this;
        }
    }

    /** The {@link #stale} generation a connection was opened in; absent counts as the first. */
    private static final AttributeKey<Long> BORN = AttributeKey.valueOf("auriga-kept-born");

    private final int size;
    private final Duration idleTimeout;
    private final Duration resetTimeout;
    private final EndpointMetrics metrics;
    private final Reset reset;
    private final Function<B, Channel> channelOf;
    private final Map<EventLoop, Map<K, ArrayDeque<Kept<B>>>> byLoop = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();

    /**
     * @param size         connections kept per key and event loop; 0 keeps none
     * @param idleTimeout  how long a kept connection waits for a client
     * @param resetTimeout how long the backend may take to answer the reset
     * @param metrics      the endpoint's counters, which count the connections handed out again
     */
    public KeptBackends(int size, Duration idleTimeout, Duration resetTimeout, EndpointMetrics metrics, Reset reset,
                        Function<B, Channel> channelOf) {
        this.size = size;
        this.idleTimeout = idleTimeout;
        this.resetTimeout = resetTimeout;
        this.metrics = metrics;
        this.reset = reset;
        this.channelOf = channelOf;
    }

    /** False when the pool keeps nothing (a size of 0). */
    public boolean enabled() {
        return size > 0;
    }

    /**
     * Notes that {@code channel} is a new backend connection: call before it logs in, so that a
     * {@link #stale} call from then on does not concern it.
     */
    public void born(Channel channel) {
        channel.attr(BORN).set(generation.get());
    }

    /**
     * A new backend session would start differently from those opened until now (defaults of a role or
     * a database changed, or a database is about to be dropped or renamed, which a kept session would
     * block): closes every kept connection, and keeps none opened before. Call from any thread.
     */
    public void stale(String why) {
        generation.incrementAndGet();
        byLoop.forEach((loop, kept) -> loop.execute(() -> {
            List<B> all = new ArrayList<>();
            kept.values().forEach(queue -> queue.forEach(k -> all.add(k.backend)));
            if (!all.isEmpty()) {
                log.debug("closing {} kept connection(s): {}", all.size(), why);
            }
            all.forEach(backend -> channelOf.apply(backend).close());
        }));
    }

    /** Whether {@code channel} was opened before the last {@link #stale} call. */
    private boolean staleSince(Channel channel) {
        Long born = channel.attr(BORN).get();
        return (born == null ? 0 : born) < generation.get();
    }

    /**
     * A kept connection logged in as {@code key}, taken out of the pool with auto-read off and no
     * handlers left, or null. Call on {@code loop}.
     */
    public B take(EventLoop loop, K key) {
        Map<K, ArrayDeque<Kept<B>>> kept = byLoop.get(loop);
        ArrayDeque<Kept<B>> queue = kept == null ? null : kept.get(key);
        while (queue != null && !queue.isEmpty()) {
            Kept<B> k = queue.pollLast();
            k.idle.cancel(false);
            Channel ch = channelOf.apply(k.backend);
            if (!ch.isActive() || PeerHangup.seen(ch) || staleSince(ch)) {
                ch.close();
                continue;
            }
            ch.config().setAutoRead(false);
            ch.pipeline().remove(KEEPER);
            ch.pipeline().remove(DECODER);
            metrics.backendReused();
            return k.backend;
        }
        return null;
    }

    /**
     * Takes back the connection of a client that left with its backend idle, between statements:
     * resets it and keeps it under {@code key}, or closes it. The caller has removed its handlers from
     * the channel and decided that the session may be kept at all.
     *
     * @param what describes the connection in logs
     */
    public void give(B backend, K key, String what) {
        Channel ch = channelOf.apply(backend);
        if (!enabled() || !ch.isActive() || staleSince(ch)) {
            ch.close();
            return;
        }
        EventLoop loop = ch.eventLoop();
        ArrayDeque<Kept<B>> queue = byLoop.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(key,
                k -> new ArrayDeque<>());
        if (queue.size() >= size) {
            ch.close();
            return;
        }
        Reset one = reset.begin();
        Keeper keeper = new Keeper(backend, ch, what, queue, one);
        ch.pipeline().addLast(DECODER, one.decoder());
        ch.pipeline().addLast(KEEPER, keeper);
        ch.writeAndFlush(one.request(ch.alloc()));
        keeper.timer = loop.schedule(() -> keeper.drop("no answer to the reset within " + resetTimeout.toMillis()
                + " ms"), resetTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ch.config().setAutoRead(true);
    }

    /** A connection in the pool. */
    private record Kept<B>(B backend, ScheduledFuture<?> idle) {
    }

    /** Waits for the reset's answer, then watches the kept connection until a client takes it. */
    private final class Keeper extends SimpleChannelInboundHandler<Object> {
        private final B backend;
        private final Channel channel;
        private final String what;
        private final ArrayDeque<Kept<B>> queue;
        private final Reset reset;
        private ScheduledFuture<?> timer;
        private Kept<B> kept;

        Keeper(B backend, Channel channel, String what, ArrayDeque<Kept<B>> queue, Reset reset) {
            this.backend = backend;
            this.channel = channel;
            this.what = what;
            this.queue = queue;
            this.reset = reset;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object message) {
            if (kept != null) {
                // A kept connection speaks only to end (a timeout, a shutdown).
                drop("the server spoke while the connection was kept");
                return;
            }
            switch (reset.judge(message)) {
                case MORE -> {
                    // The rest of the answer follows.
                }
                case REFUSED -> drop("the reset was refused");
                case DONE -> {
                    if (queue.size() >= size) {
                        drop("the pool is full");
                        return;
                    }
                    if (staleSince(channel)) {
                        drop("sessions opened before now are stale");
                        return;
                    }
                    timer.cancel(false);
                    ScheduledFuture<?> idle = ctx.channel().eventLoop().schedule(() -> drop("idle for "
                            + idleTimeout.toMillis() + " ms"), idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    kept = new Kept<>(backend, idle);
                    queue.addLast(kept);
                }
                default -> throw new IllegalStateException();
            }
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
            if (channel.isOpen()) {
                log.debug("kept connection {} closed: {}", what, why);
                channel.close();
            }
        }
    }
}
