package io.auriga.pg.backend;

import io.auriga.core.auth.LoginSecret;
import io.auriga.core.net.EventLoops;
import io.auriga.core.net.Listener;
import io.auriga.core.net.LoginDeadline;
import io.auriga.core.tls.BackendTls;
import io.auriga.core.topology.InstanceState;
import io.auriga.pg.protocol.PgFrameDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;

/**
 * Opens and logs in backend connections on a given event loop (the client channel's own, so a
 * session never hops threads), over TLS where the cluster asks for it. The whole connect, TLS
 * handshake and login is bounded by one deadline.
 */
public final class PgBackendConnector {
    /** Messages during login are small; anything larger is a broken or hostile peer. */
    private static final int MAX_LOGIN_FRAME = 1 << 20;
    static final String DECODER = "pg-login-decoder";
    static final String HANDSHAKE = "pg-login";

    private final EventLoops loops;
    private final Duration timeout;
    private final SecureRandom random;
    private final PgBackendPool pool;
    private final BackendTls tls;

    /** @param tls how the instances are reached ({@code clusters[].tls}) */
    public PgBackendConnector(EventLoops loops, Duration timeout, SecureRandom random, PgBackendPool pool,
                              BackendTls tls) {
        this.loops = loops;
        this.tls = tls;
        this.timeout = timeout;
        this.random = random;
        this.pool = pool;
    }

    /** Where sessions give back backends whose clients left, and where {@link #acquire} looks first. */
    public PgBackendPool pool() {
        return pool;
    }

    /**
     * A kept connection to {@code instance} for this login when the pool has one (ready at once),
     * otherwise a new one ({@link #connect}).
     */
    public Future<PgBackend> acquire(EventLoop loop, InstanceState instance, String user,
                                     Map<String, String> startupParameters, LoginSecret secret) {
        PgBackend kept = pool.take(loop, instance, user, startupParameters, secret);
        return kept != null ? loop.newSucceededFuture(kept) : connect(loop, instance, user, startupParameters, secret);
    }

    /**
     * Connects to {@code instance} and logs in as {@code user}. The returned backend's channel has
     * auto-read off and no handlers left: the caller installs the relay.
     */
    public Future<PgBackend> connect(EventLoop loop, InstanceState instance, String user,
                                     Map<String, String> startupParameters, LoginSecret secret) {
        Promise<PgBackend> promise = loop.newPromise();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(loops.clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .option(ChannelOption.ALLOCATOR, loops.allocator())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Listener.WATER_MARK)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        pool.born(ch);
                        if (tls.attempted()) {
                            ch.pipeline().addLast(PgBackendTls.NAME, new PgBackendTls(tls, instance));
                        }
                        ch.pipeline().addLast(DECODER, new PgFrameDecoder(MAX_LOGIN_FRAME));
                        ch.pipeline().addLast(HANDSHAKE,
                                new PgBackendHandshake(instance, user, startupParameters, secret, random, promise));
                    }
                });
        ChannelFuture connected = bootstrap.connect(instance.config().host(), instance.config().port());
        LoginDeadline.guard(loop, connected, promise, timeout,
                cause -> new BackendLoginException("cannot connect to " + instance.name() + " ("
                        + instance.config().address() + "): " + cause.getMessage(), cause),
                () -> new BackendLoginException("login to " + instance.name() + " timed out after "
                        + timeout.toMillis() + " ms", (byte[]) null),
                HANDSHAKE, DECODER);
        return promise;
    }
}
