package io.auriga.core.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.IoTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PeerHangupTest {

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"IO_URING", "EPOLL"})
    void aPeerThatClosedIsSeenBeforeTheLoopReadsTheClose(IoTransport transport) throws Exception {
        assumeTrue(transport == IoTransport.IO_URING ? IoUring.isAvailable() : Epoll.isAvailable(),
                () -> EventLoops.name(transport) + " is not available on this machine");
        try (EventLoops loops = EventLoops.create(1, transport);
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Channel channel = new Bootstrap().group(loops.group()).channel(loops.clientChannel())
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.getLocalSocketAddress()).sync().channel();
            CountDownLatch release = new CountDownLatch(1);
            try (Socket peer = server.accept()) {
                assertFalse(PeerHangup.seen(channel), "an open connection");
                // The loop is kept busy, so the close stays unseen by it, as when it has not got to it yet.
                CountDownLatch busy = new CountDownLatch(1);
                channel.eventLoop().execute(() -> {
                    busy.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertTrue(busy.await(10, TimeUnit.SECONDS), "the loop took the task");
                peer.close();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!PeerHangup.seen(channel)) {
                    assertTrue(System.nanoTime() < deadline, "the peer's close was not seen within 10 s");
                    Thread.sleep(10);
                }
                assertTrue(channel.isActive(), "the loop itself has not noticed the close");
            } finally {
                release.countDown();
                channel.close().sync();
            }
            assertFalse(PeerHangup.seen(channel), "a closed channel is not asked");
        }
    }
}
