package io.auriga.core.net;

import io.auriga.core.session.Ticker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/** One bound listening socket of an endpoint or the admin API. */
public final class Listener implements AutoCloseable {
    /** Relay buffers: stop reading a peer once this much waits for the other side. */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final String name;
    private final Channel channel;

    private Listener(String name, Channel channel) {
        this.name = name;
        this.channel = channel;
    }

    /** How often a listener short of descriptors says so. */
    static final Duration WARNING_INTERVAL = Duration.ofSeconds(10);

    /**
     * Binds {@code host:port}, waiting at most {@code timeout}; a taken port is an {@link IOException}.
     * Accepting pauses briefly when the process is out of descriptors ({@link AcceptBackoff}).
     */
    public static Listener bind(String name, EventLoops loops, String host, int port,
                                ChannelInitializer<SocketChannel> initializer, Duration timeout) throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops.group())
                .channel(loops.serverChannel())
                .handler(new AcceptBackoff(name, new RateLimitedLog(WARNING_INTERVAL, Ticker.SYSTEM)))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, loops.allocator())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(initializer);
        ChannelFuture bound = bootstrap.bind(host, port);
        if (!bound.awaitUninterruptibly(timeout.toMillis())) {
            bound.cancel(false);
            throw new IOException(name + ": binding " + host + ":" + port + " timed out");
        }
        if (!bound.isSuccess()) {
            throw new IOException(name + ": cannot listen on " + host + ":" + port + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        return new Listener(name, bound.channel());
    }

    public String name() {
        return name;
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2000);
    }
}
