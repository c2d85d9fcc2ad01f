package io.auriga.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.IoTransport;
import io.auriga.core.testing.Poll;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
                // The kernel's news of the close is not an event the test can wait on: ask until it is there.
                assertTrue(Poll.poll(Duration.ofSeconds(10), () -> PeerHangup.seen(channel)),
                        "the peer's close was not seen within 10 s");
                assertTrue(channel.isActive(), "the loop itself has not noticed the close");
            } finally {
                release.countDown();
                channel.close().sync();
            }
            assertFalse(PeerHangup.seen(channel), "a closed channel is not asked");
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"IO_URING", "EPOLL", "NIO"})
    void aResetIsToldFromAPlainClose(IoTransport transport)
            throws Exception {
        assumeTrue(transport == IoTransport.NIO || (transport == IoTransport.IO_URING ? IoUring.isAvailable()
                : Epoll.isAvailable()), () -> EventLoops.name(transport) + " is not available on this machine");
        try (EventLoops loops = EventLoops.create(1, transport);
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (boolean peerReads : new boolean[] {false, true}) {
                CompletableFuture<Throwable> failure = new CompletableFuture<>();
                CompletableFuture<Void> closed = new CompletableFuture<>();
                Channel channel = new Bootstrap().group(loops.group()).channel(loops.clientChannel())
                        .handler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                failure.complete(cause);
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                closed.complete(null);
                            }
                        })
                        .connect(server.getLocalSocketAddress()).sync().channel();
                try (Socket peer = server.accept()) {
                    channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, 3})).sync();
                    if (peerReads) {
                        assertEquals(5, peer.getInputStream().readNBytes(5).length);
                    } else {
                        // An abortive close, as the kernel closes a socket holding bytes never read (the
                        // JDK's close does not leave that to the kernel).
                        peer.setSoLinger(true, 0);
                    }
                }
                closed.get(10, TimeUnit.SECONDS);
                Throwable cause = failure.getNow(null);
                if (peerReads) {
                    assertFalse(cause != null && PeerHangup.isReset(cause), "a plain close: " + cause);
                } else {
                    assertTrue(cause != null && PeerHangup.isReset(cause), "a reset: " + cause);
                }
            }
        }
    }
}
