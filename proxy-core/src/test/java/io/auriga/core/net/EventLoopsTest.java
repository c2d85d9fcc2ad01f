package io.auriga.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.IoTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EventLoopsTest {

    @Test
    void autoTakesTheFastestTransportTheKernelAllows() throws Exception {
        IoTransport expected = IoUring.isAvailable() ? IoTransport.IO_URING
                : Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO;
        try (EventLoops loops = EventLoops.create(1, IoTransport.AUTO)) {
            assertEquals(expected, loops.transport());
            assertEquals(1, loops.threads());
        }
    }

    @Test
    void channelClassesMatchTheTransport() throws Exception {
        try (EventLoops nio = EventLoops.create(1, IoTransport.NIO)) {
            assertSame(NioSocketChannel.class, nio.clientChannel());
        }
        if (Epoll.isAvailable()) {
            try (EventLoops epoll = EventLoops.create(1, IoTransport.EPOLL)) {
                assertSame(EpollSocketChannel.class, epoll.clientChannel());
            }
        }
        if (IoUring.isAvailable()) {
            try (EventLoops uring = EventLoops.create(1, IoTransport.IO_URING)) {
                assertSame(IoUringSocketChannel.class, uring.clientChannel());
            }
        }
    }

    /** Every transport the machine offers carries bytes both ways between its own channels. */
    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"IO_URING", "EPOLL", "NIO"})
    void echoesOverEachTransport(IoTransport transport) throws Exception {
        assumeTrue(transport != IoTransport.IO_URING || IoUring.isAvailable(), "io_uring is not available");
        assumeTrue(transport != IoTransport.EPOLL || Epoll.isAvailable(), "epoll is not available");
        try (EventLoops loops = EventLoops.create(1, transport)) {
            Channel server = new ServerBootstrap().group(loops.group()).channel(loops.serverChannel())
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg);
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            StringBuilder received = new StringBuilder();
            Channel client = new Bootstrap().group(loops.group()).channel(loops.clientChannel())
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf buf = (ByteBuf) msg;
                                    received.append(buf.toString(StandardCharsets.US_ASCII));
                                    buf.release();
                                    if (received.length() >= 5) {
                                        echoed.complete(received.toString());
                                    }
                                }
                            });
                        }
                    })
                    .connect(server.localAddress()).sync().channel();
            try {
                client.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
                assertEquals("hello", echoed.get(10, TimeUnit.SECONDS));
            } finally {
                client.close().sync();
                server.close().sync();
            }
        }
    }
}
