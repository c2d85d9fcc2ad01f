package io.auriga.core.net;

import io.auriga.config.ServerConfig.IoTransport;
import io.netty.channel.IoHandlerFactory;
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
import java.util.List;
import java.util.function.Supplier;

/** The socket layer under the event loops: Linux io_uring, Linux epoll, or portable NIO. */
public enum Transport {
    IO_URING("io_uring", IoUring::isAvailable, IoUringIoHandler::newFactory, IoUringServerSocketChannel.class,
            IoUringSocketChannel.class),
    EPOLL("epoll", Epoll::isAvailable, EpollIoHandler::newFactory, EpollServerSocketChannel.class,
            EpollSocketChannel.class),
    NIO("nio", () -> true, NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

    private final String label;
    private final Supplier<Boolean> available;
    private final Supplier<IoHandlerFactory> factory;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> clientChannel;

    Transport(String label, Supplier<Boolean> available, Supplier<IoHandlerFactory> factory,
              Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> clientChannel) {
        this.label = label;
        this.available = available;
        this.factory = factory;
        this.serverChannel = serverChannel;
        this.clientChannel = clientChannel;
    }

    /**
     * The transport the configuration asks for; {@code AUTO} takes epoll where it loads (the most
     * exercised native transport), then io_uring, then NIO. A named transport that does not load here is refused, naming why,
     * rather than silently replaced.
     */
    public static Transport of(IoTransport choice) {
        Transport wanted = switch (choice) {
            case AUTO -> null;
            case IO_URING -> IO_URING;
            case EPOLL -> EPOLL;
            case NIO -> NIO;
        };
        if (wanted == null) {
            for (Transport t : List.of(EPOLL, IO_URING)) {
                if (t.isAvailable()) {
                    return t;
                }
            }
            return NIO;
        }
        if (!wanted.isAvailable()) {
            throw new IllegalStateException("transport " + wanted + " is not available on this machine: "
                    + wanted.unavailabilityCause());
        }
        return wanted;
    }

    public boolean isAvailable() {
        try {
            return available.get();
        } catch (LinkageError e) {
            return false;
        }
    }

    private String unavailabilityCause() {
        Throwable cause = switch (this) {
            case IO_URING -> IoUring.unavailabilityCause();
            case EPOLL -> Epoll.unavailabilityCause();
            case NIO -> null;
        };
        return cause == null ? "unknown reason" : cause.toString();
    }

    IoHandlerFactory ioHandlerFactory() {
        return factory.get();
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public Class<? extends SocketChannel> clientChannel() {
        return clientChannel;
    }

    @Override
    public String toString() {
        return label;
    }
}
