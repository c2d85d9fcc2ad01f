package io.auriga.core.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeerHangupTest {

    @Test
    void aPeerThatClosedIsSeenBeforeTheLoopReadsTheClose() throws Exception {
        try (EventLoops loops = EventLoops.create(1);
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assumeTrue(loops.isEpoll(), "the epoll transport is not available on this machine");
            Channel channel = new Bootstrap().group(loops.group()).channel(loops.clientChannel())
                    // Not reading: the close stays unseen by the loop, as when it has not got to it yet.
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.getLocalSocketAddress()).sync().channel();
            try (Socket peer = server.accept()) {
                assertFalse(PeerHangup.seen(channel), "an open connection");
                peer.close();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!PeerHangup.seen(channel)) {
                    assertTrue(System.nanoTime() < deadline, "the peer's close was not seen within 10 s");
                    Thread.sleep(10);
                }
                assertTrue(channel.isActive(), "the loop itself has not noticed the close");
            } finally {
                channel.close().sync();
            }
            assertFalse(PeerHangup.seen(channel), "a closed channel is not asked");
        }
    }
}
