package io.auriga.mysql.backend;

import io.auriga.core.net.EventLoops;
import io.auriga.core.net.Listener;
import io.auriga.core.net.LoginDeadline;
import io.auriga.core.tls.BackendTls;
import io.auriga.core.topology.InstanceState;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.HandshakeV10;
import io.auriga.mysql.protocol.MySqlPacket;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.auriga.mysql.protocol.MySqlPackets;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseNotifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Opens and logs in MySQL backend connections on a given event loop (the client channel's own, so
 * a session never hops threads), each connect-and-login bounded by one deadline. Every handshake
 * seen refreshes the cluster's {@link ServerProfile}.
 */
public final class MySqlBackendConnector {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MySqlBackendConnector.class);
    /** Packets during login are small; anything larger is a broken or hostile peer. */
    private static final int MAX_LOGIN_PACKET = 1 << 20;
    static final String DECODER = "my-login-decoder";
    static final String HANDSHAKE = "my-login";

    private final EventLoops loops;
    private final Duration timeout;
    private final ServerProfile.Holder profile;
    private final BackendPool pool;
    private final BackendTls tls;

    /**
     * @param pool where connections whose clients left wait for the next client (see {@link BackendPool})
     * @param tls  how the instances are reached ({@code clusters[].tls})
     */
    public MySqlBackendConnector(EventLoops loops, Duration timeout, ServerProfile.Holder profile, BackendPool pool,
                                 BackendTls tls) {
        this.loops = loops;
        this.tls = tls;
        this.timeout = timeout;
        this.profile = profile;
        this.pool = pool;
    }

    public ServerProfile.Holder profile() {
        return profile;
    }

    public BackendPool pool() {
        return pool;
    }

    /**
     * A connection to {@code instance} logged in as {@code login}: one a former client left in the
     * pool when there is one on {@code loop}, logged in again ({@link MySqlChangeUser}: the server
     * judges this login too, and its refusal is the client's; the change of user also resets the session
     * to the server's global values as they are now), else a new one ({@link #connect}).
     */
    public Future<MySqlBackend> acquire(EventLoop loop, InstanceState instance, BackendLogin login) {
        MySqlBackend kept = pool.take(loop, instance, login);
        if (kept == null) {
            return connect(loop, instance, login);
        }
        Promise<MySqlBackend> relogged = loop.newPromise();
        MySqlChangeUser.start(kept, login, timeout, relogged);
        Promise<MySqlBackend> result = loop.newPromise();
        relogged.addListener(f -> {
            if (f.isSuccess()) {
                pool.restoreLoginSettings(kept, login).addListener(g -> {
                    if (g.isSuccess()) {
                        result.trySuccess(kept);
                    } else {
                        log.debug("kept connection to {}: {}; connecting anew", instance.name(),
                                g.cause().getMessage());
                        connect(loop, instance, login).addListener(h -> cascade(h, result));
                    }
                });
            } else if (f.cause() instanceof MySqlBackendLoginException e && e.error() != null) {
                cascade(f, result);
            } else {
                // The kept connection failed otherwise (closed, no answer): a new one serves instead.
                log.debug("{}; connecting anew", f.cause().getMessage());
                connect(loop, instance, login).addListener(g -> cascade(g, result));
            }
        });
        return result;
    }

    @SuppressWarnings("unchecked")
    private static void cascade(Future<?> from, Promise<MySqlBackend> to) {
        if (from.isSuccess()) {
            to.trySuccess((MySqlBackend) from.getNow());
        } else {
            to.tryFailure(from.cause());
        }
    }

    /**
     * Connects to {@code instance} and logs in. The returned backend's channel has auto-read off
     * and no handlers left: the caller installs the relay.
     */
    public Future<MySqlBackend> connect(EventLoop loop, InstanceState instance, BackendLogin login) {
        Promise<MySqlBackend> promise = loop.newPromise();
        ChannelFuture connected = bootstrap(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(DECODER, new MySqlPacketDecoder(MAX_LOGIN_PACKET));
                ch.pipeline().addLast(HANDSHAKE, new MySqlBackendHandshake(instance, login, profile::set, promise, tls));
            }
        }).connect(instance.config().host(), instance.config().port());
        LoginDeadline.guard(loop, connected, promise, timeout,
                cause -> new MySqlBackendLoginException("cannot connect to " + instance.name() + " ("
                        + instance.config().address() + "): " + cause.getMessage(), cause),
                () -> new MySqlBackendLoginException("login to " + instance.name() + " timed out after "
                        + timeout.toMillis() + " ms", (ErrPacket) null),
                HANDSHAKE, DECODER);
        return promise;
    }

    /**
     * Logs in to {@code instance}, runs one statement and closes. Completes with the payload of the
     * statement's response (OK or ERR); fails when the login or the connection failed.
     */
    public Future<byte[]> execute(EventLoop loop, InstanceState instance, BackendLogin login, String sql) {
        Promise<byte[]> promise = loop.newPromise();
        connect(loop, instance, login).addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel ch = ((MySqlBackend) f.getNow()).channel();
            ch.pipeline().addLast(new MySqlPacketDecoder(MAX_LOGIN_PACKET));
            ch.pipeline().addLast(new SimpleChannelInboundHandler<MySqlPacket>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, MySqlPacket packet) {
                    promise.trySuccess(ByteBufUtil.getBytes(packet.payload()));
                    ctx.close();
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    promise.tryFailure(new MySqlBackendLoginException(instance.name()
                            + " closed the connection before answering", (ErrPacket) null));
                }
            });
            ByteBuf payload = ch.alloc().buffer();
            payload.writeByte(Command.COM_QUERY).writeCharSequence(sql, StandardCharsets.UTF_8);
            ch.writeAndFlush(MySqlPackets.frame(ch.alloc(), 0, payload));
            payload.release();
            ch.config().setAutoRead(true);
        });
        return promise;
    }

    /** Reads one backend's handshake to learn its profile, then closes; failures leave the profile as it was. */
    public void learnProfile(InstanceState instance) {
        greeting(loops.group().next(), instance).addListener(f -> {
            if (f.isSuccess()) {
                profile.set(ServerProfile.of((HandshakeV10) f.getNow()));
            }
        });
    }

    /**
     * Whether {@code instance} still greets new connections: connects, reads the first packet and
     * closes. True only for a handshake within the connect timeout; a refused or silent connection,
     * or an ERR greeting (a server shutting down, too many connections), is false. Never fails.
     */
    public Future<Boolean> greets(EventLoop loop, InstanceState instance) {
        Promise<Boolean> answer = loop.newPromise();
        greeting(loop, instance).addListener(f -> answer.trySuccess(f.isSuccess()));
        return answer;
    }

    /** The first packet {@code instance} sends a new connection, as a handshake; fails on anything else. */
    private Future<HandshakeV10> greeting(EventLoop loop, InstanceState instance) {
        Promise<HandshakeV10> promise = loop.newPromise();
        ChannelFuture connected = bootstrap(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new MySqlPacketDecoder(MAX_LOGIN_PACKET));
                ch.pipeline().addLast(new SimpleChannelInboundHandler<MySqlPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, MySqlPacket packet) {
                        try {
                            promise.trySuccess(HandshakeV10.decode(packet.payload()));
                        } catch (RuntimeException e) {
                            // An ERR (too many connections, shutting down) or garbage.
                            promise.tryFailure(e);
                        }
                        ctx.close();
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        promise.tryFailure(new MySqlBackendLoginException(instance.name()
                                + " closed the connection before greeting", (ErrPacket) null));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        promise.tryFailure(cause);
                        ctx.close();
                    }
                });
            }
        }).connect(instance.config().host(), instance.config().port());
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
            }
        });
        var timer = loop.schedule(() -> {
            if (promise.tryFailure(new MySqlBackendLoginException(instance.name() + " sent no greeting within "
                    + timeout.toMillis() + " ms", (ErrPacket) null))) {
                connected.channel().close();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        promise.addListener(f -> timer.cancel(false));
        return promise;
    }

    private Bootstrap bootstrap(EventLoop loop) {
        return new Bootstrap()
                .group(loop)
                .channel(loops.clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .option(ChannelOption.ALLOCATOR, loops.allocator())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Listener.WATER_MARK);
    }
}
