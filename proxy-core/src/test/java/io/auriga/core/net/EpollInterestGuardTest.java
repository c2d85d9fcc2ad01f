package io.auriga.core.net;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.IoTransport;
import io.auriga.core.testing.Poll;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EpollInterestGuardTest {

    @Test
    void noInterestIsAskedAsEdgeTriggeredNothing() {
        assumeTrue(Epoll.isAvailable(), "the epoll transport is not available on this machine");
        assertSame(EpollIoOps.EPOLLET, EpollInterestGuard.guarded(EpollIoOps.NONE));
        assertSame(EpollIoOps.EPOLLIN, EpollInterestGuard.guarded(EpollIoOps.EPOLLIN));
        EpollIoOps inAndHangup = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP);
        assertSame(inAndHangup, EpollInterestGuard.guarded(inAndHangup));
    }

    /**
     * What a channel does when it stops reading after its read-hangup interest was used up: its
     * interest drops to nothing, then it asks to read again. On the proxy's loops that works.
     */
    @Test
    void interestThatDropsToNothingCanBeRaisedAgain() throws Exception {
        assumeTrue(Epoll.isAvailable(), "the epoll transport is not available on this machine");
        try (EventLoops loops = EventLoops.create(1, IoTransport.EPOLL);
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket socket = Socket.newSocketStream();
            try {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
                assertTrue(Poll.poll(Duration.ofSeconds(10), socket::finishConnect),
                        "loopback connect did not finish in 10 s");
                IoEventLoop loop = (IoEventLoop) loops.group().next();
                IoRegistration registration = loop.register(new Handle(socket)).get(10, TimeUnit.SECONDS);
                loop.submit(() -> {
                    registration.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP));
                    registration.submit(EpollIoOps.EPOLLRDHUP);
                    registration.submit(EpollIoOps.NONE);
                    // Without the guard Netty has removed the socket from epoll here, and this fails
                    // with "epoll_ctl(..) failed with error(-2): No such file or directory".
                    registration.submit(EpollIoOps.EPOLLIN);
                    registration.cancel();
                }).get(10, TimeUnit.SECONDS);
            } finally {
                socket.close();
            }
        }
    }

    private record Handle(Socket socket) implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return socket;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
        }

        @Override
        public void close() {
        }
    }
}
