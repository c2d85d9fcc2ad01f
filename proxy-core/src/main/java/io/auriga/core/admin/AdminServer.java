package io.auriga.core.admin;

import io.auriga.config.AdminConfig;
import io.auriga.config.AdminTlsConfig;
import io.auriga.core.tls.TlsContexts;
import io.auriga.core.tls.TlsMaterialException;
import io.auriga.core.topology.Topology;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP listener: {@code /health}, {@code /topology}, {@code /metrics} and
 * {@code POST /switchover} (see {@link AdminHttpHandler}).
 *
 * <p>It runs on the proxy's own event-loop group, which it never shuts down: the admin API is
 * light and must not cost threads of its own. Requests are tiny, so the aggregator's limit is
 * small and anything larger is refused rather than buffered; idle connections are closed.
 *
 * <p>With {@code admin.tls} it speaks HTTPS only ({@link HttpsOnlyHandler} answers a plain request
 * with where to go instead); with {@code admin.tls.client-ca} it asks each client for a certificate
 * and {@link AdminAccess} takes a verified one as a credential. The certificate and key are read when
 * the server is built, so bad material stops the proxy before anything listens.
 */
public final class AdminServer implements AutoCloseable {
    /** Admin requests carry no body worth having; a bigger one is refused with 413. */
    static final int MAX_CONTENT = 8 * 1024;
    static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> channelType;
    private final String host;
    private final int port;
    private final AdminHttpHandler handler;
    /** What new connections are served with; null for plain HTTP. */
    private final AtomicReference<SslContext> tls = new AtomicReference<>();
    private final AdminConfig config;
    private final ChannelGroup connections = new DefaultChannelGroup("auriga-admin", GlobalEventExecutor.INSTANCE);
    private Channel serverChannel;

    /**
     * @param group       the proxy's event-loop group, shared and not owned
     * @param channelType the server channel type of that group's transport, as the proxy's own
     *                    listeners use ({@code EpollServerSocketChannel} for an epoll group)
     * @param port        0 picks a free port, see {@link #port()}
     * @param topologies  every cluster's current snapshot; called on the event loop, so it must not block
     * @param metrics     the counters the proxy increments
     */
    public AdminServer(EventLoopGroup group, Class<? extends ServerChannel> channelType, String host, int port,
                       Supplier<List<Topology>> topologies, Metrics metrics) {
        this(group, channelType, host, port, topologies, metrics, AdminControl.NONE);
    }

    /**
     * As above, with what the API may ask of the proxy: operations under way and switchover
     * ({@code POST /switchover}).
     */
    public AdminServer(EventLoopGroup group, Class<? extends ServerChannel> channelType, String host, int port,
                       Supplier<List<Topology>> topologies, Metrics metrics, AdminControl control) {
        this(group, channelType, new AdminConfig(host, port), topologies, metrics, control);
    }

    /**
     * The listener {@code config} describes, with who may use it ({@link AdminAccess}); the other
     * constructors give a listener without tokens, which answers {@code /health} only.
     *
     * @throws IllegalArgumentException for a listener off loopback without tokens or client certificates
     * @throws TlsMaterialException     when a file of {@code admin.tls} is missing, not PEM, or the key
     *                                  does not belong to the certificate
     */
    public AdminServer(EventLoopGroup group, Class<? extends ServerChannel> channelType, AdminConfig config,
                       Supplier<List<Topology>> topologies, Metrics metrics, AdminControl control) {
        this.group = Objects.requireNonNull(group, "group");
        this.channelType = Objects.requireNonNull(channelType, "channelType");
        this.host = Objects.requireNonNull(config.host(), "host");
        if (config.port() < 0 || config.port() > 65_535) {
            throw new IllegalArgumentException("admin port " + config.port() + " is out of range");
        }
        if (!config.authenticated() && !AdminConfig.loopback(config.host())) {
            // The configuration refuses this too; a server built by code must not slip past it.
            throw new IllegalArgumentException("admin API on " + config.host() + ", not a loopback address, needs "
                    + "admin.auth tokens or admin.tls.client-ca");
        }
        this.port = config.port();
        this.config = config;
        if (config.tls() != null) {
            tls.set(context(config.tls()));
        }
        this.handler = new AdminHttpHandler(Objects.requireNonNull(topologies, "topologies"),
                Objects.requireNonNull(metrics, "metrics"), Objects.requireNonNull(control, "control"),
                new AdminAccess(config));
    }

    /**
     * For an NIO event-loop group, whose channel type is known; other transports must use the
     * constructor that takes the channel type.
     *
     * @throws IllegalArgumentException when {@code group} is not an NIO group
     */
    public AdminServer(EventLoopGroup group, String host, int port, Supplier<List<Topology>> topologies,
                       Metrics metrics) {
        this(group, nioChannelType(group), host, port, topologies, metrics);
    }

    /** For an NIO event-loop group, with what the API may ask of the proxy. */
    public AdminServer(EventLoopGroup group, String host, int port, Supplier<List<Topology>> topologies,
                       Metrics metrics, AdminControl control) {
        this(group, nioChannelType(group), host, port, topologies, metrics, control);
    }

    /** For an NIO event-loop group, the listener {@code config} describes. */
    public AdminServer(EventLoopGroup group, AdminConfig config, Supplier<List<Topology>> topologies,
                       Metrics metrics, AdminControl control) {
        this(group, nioChannelType(group), config, topologies, metrics, control);
    }

    /**
     * Binds the listener and returns once it accepts connections.
     *
     * @throws IOException naming the address when binding fails or takes longer than {@link #BIND_TIMEOUT}
     */
    public synchronized void start() throws IOException {
        if (serverChannel != null) {
            throw new IllegalStateException("admin server already started");
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 64)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                        SslContext context = tls.get();
                        if (context != null) {
                            ch.pipeline().addLast(new HttpsOnlyHandler(context));
                        }
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(MAX_CONTENT))
                                .addLast(handler);
                    }
                });
        String where = host + ":" + port;
        ChannelFuture bind = bootstrap.bind(host, port);
        try {
            if (!bind.await(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                bind.cancel(false);
                bind.channel().close();
                throw new IOException("admin listener " + where + ": not bound after " + BIND_TIMEOUT.toSeconds() + "s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            bind.channel().close();
            throw new InterruptedIOException("interrupted while binding the admin listener " + where);
        }
        if (!bind.isSuccess()) {
            throw new IOException("admin listener " + where + ": " + bind.cause().getMessage(), bind.cause());
        }
        serverChannel = bind.channel();
        if (config.tls() == null) {
            log.info("Admin API listening on http://{}:{}", host, port());
        } else {
            log.info("Admin API listening on https://{}:{}{}", host, port(), config.tls().verifiesClients()
                    ? "; client certificates from " + config.tls().clientCa() + " are accepted as credentials" : "");
        }
    }

    /**
     * Reads the files of {@code admin.tls} again (a renewed certificate, a new client CA) for the
     * connections accepted from now on; open connections keep what they were accepted with. Nothing
     * changes when a file cannot be used, and nothing is done for a plain HTTP listener.
     *
     * @throws TlsMaterialException naming the file that is missing, not PEM, or the key that does not
     *                              belong to the certificate
     */
    public void reloadTls() {
        if (config.tls() != null) {
            tls.set(context(config.tls()));
        }
    }

    private static SslContext context(AdminTlsConfig files) {
        return TlsContexts.server(files.cert(), files.key(), List.of(), files.clientCa());
    }

    /** The bound address; only after {@link #start()}. */
    public synchronized InetSocketAddress localAddress() {
        if (serverChannel == null) {
            throw new IllegalStateException("admin server not started");
        }
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The bound port, which differs from the configured one when that was 0. */
    public int port() {
        return localAddress().getPort();
    }

    /**
     * Stops listening and closes open admin connections; the event-loop group keeps running.
     * Waits (bounded) for the channels to close, so call it from a shutdown path, not from an
     * event-loop thread.
     */
    @Override
    public synchronized void close() {
        if (serverChannel == null) {
            return;
        }
        serverChannel.close().awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
        connections.close().awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
        serverChannel = null;
    }

    private static Class<? extends ServerChannel> nioChannelType(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io && io.isIoType(NioIoHandler.class)) {
            return NioServerSocketChannel.class;
        }
        throw new IllegalArgumentException("not an NIO event-loop group: pass the server channel type of its"
                + " transport (such as EpollServerSocketChannel)");
    }
}
