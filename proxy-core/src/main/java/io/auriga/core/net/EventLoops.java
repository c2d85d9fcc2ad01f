package io.auriga.core.net;

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
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The one event-loop group every endpoint and backend connection shares, on epoll where the
 * native transport loads and NIO elsewhere. Backend connections are opened on the client
 * channel's own loop, so a session never hops threads. On epoll the handler is wrapped in
 * {@link EpollInterestGuard}, which works around a Netty defect that closed stopped channels.
 */
public final class EventLoops implements AutoCloseable {
    private final EventLoopGroup group;
    private final boolean epoll;
    private final int threads;

    private EventLoops(EventLoopGroup group, boolean epoll, int threads) {
        this.group = group;
        this.epoll = epoll;
        this.threads = threads;
    }

    /**
     * @param threads event-loop threads; 0 picks one per two cores. Relaying costs a few
     *                microseconds a message, and on small machines the proxy shares the cores with
     *                the database and its clients: one loop gathers more ready sockets per wake-up
     *                (bench/pgbench.sh measured 0.77 of direct throughput with one loop on 2 cores,
     *                0.75 with two).
     */
    public static EventLoops create(int threads) {
        int n = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollInterestGuard.wrap(EpollIoHandler.newFactory()) : NioIoHandler.newFactory();
        return new EventLoops(new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory("auriga-io", true), io),
                epoll, n);
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

    public boolean isEpoll() {
        return epoll;
    }

    public Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> clientChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
