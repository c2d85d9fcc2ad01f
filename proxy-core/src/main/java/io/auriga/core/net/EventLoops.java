package io.auriga.core.net;

import io.auriga.config.IoTransport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The one event-loop group every endpoint and backend connection shares, on io_uring, epoll or NIO
 * ({@link IoTransport}). Backend connections are opened on the client channel's own loop, so a
 * session never hops threads. On epoll the handler is wrapped in {@link EpollInterestGuard}, which
 * works around a Netty defect that closed stopped channels.
 */
public final class EventLoops implements AutoCloseable {
    private final EventLoopGroup group;
    private final IoTransport transport;
    private final int threads;

    private EventLoops(EventLoopGroup group, IoTransport transport, int threads) {
        this.group = group;
        this.transport = transport;
        this.threads = threads;
    }

    /** The best transport the machine offers ({@link IoTransport#AUTO}). */
    public static EventLoops create(int threads) {
        return build(threads, best());
    }

    /**
     * @param threads   event-loop threads; 0 picks one per two cores. Relaying costs a few
     *                  microseconds a message, and on small machines the proxy shares the cores
     *                  with the database and its clients: one loop gathers more ready sockets per
     *                  wake-up (bench/pgbench.sh measured 0.77 of direct throughput with one loop on
     *                  2 cores, 0.75 with two).
     * @param requested the transport; AUTO takes io_uring, then epoll, then NIO, whichever the
     *                  kernel allows first (io_uring may be turned off by
     *                  {@code kernel.io_uring_disabled} or a container's seccomp profile)
     * @throws IOException if a transport named explicitly is not available, with the reason the
     *                     native library gave
     */
    public static EventLoops create(int threads, IoTransport requested) throws IOException {
        return build(threads, resolve(requested));
    }

    private static EventLoops build(int threads, IoTransport transport) {
        int n = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        IoHandlerFactory io = switch (transport) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollInterestGuard.wrap(EpollIoHandler.newFactory());
            default -> NioIoHandler.newFactory();
        };
        return new EventLoops(new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory("auriga-io", true), io),
                transport, n);
    }

    private static IoTransport best() {
        return IoUring.isAvailable() ? IoTransport.IO_URING : Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO;
    }

    /**
     * The transport {@code requested} comes to on this machine (AUTO resolved), so a command can
     * refuse an unavailable one before it starts anything.
     *
     * @throws IOException if a transport named explicitly is not available, with the reason
     */
    public static IoTransport resolve(IoTransport requested) throws IOException {
        switch (requested) {
            case AUTO:
                return best();
            case IO_URING:
                if (!IoUring.isAvailable()) {
                    throw unavailable(requested, IoUring.unavailabilityCause());
                }
                return requested;
            case EPOLL:
                if (!Epoll.isAvailable()) {
                    throw unavailable(requested, Epoll.unavailabilityCause());
                }
                return requested;
            default:
                return IoTransport.NIO;
        }
    }

    private static IOException unavailable(IoTransport transport, Throwable cause) {
        return new IOException("server.transport " + name(transport) + " is not available on this"
                + " machine (" + cause + "); use auto, or another transport", cause);
    }

    /** The transport's name as the config file writes it. */
    public static String name(IoTransport transport) {
        return transport.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Pooled buffers for every proxy channel: relaying allocates one buffer per read. */
    public ByteBufAllocator allocator() {
        return PooledByteBufAllocator.DEFAULT;
    }

    public EventLoopGroup group() {
        return group;
    }

    public int threads() {
        return threads;
    }

    /** The transport in use: never AUTO. */
    public IoTransport transport() {
        return transport;
    }

    public Class<? extends ServerChannel> serverChannel() {
        return switch (transport) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            default -> NioServerSocketChannel.class;
        };
    }

    public Class<? extends SocketChannel> clientChannel() {
        return switch (transport) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            default -> NioSocketChannel.class;
        };
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
