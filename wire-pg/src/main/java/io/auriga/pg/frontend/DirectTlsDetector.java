package io.auriga.pg.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * Looks at the first byte of a connection: 0x16 opens a TLS handshake, sent directly by
 * PostgreSQL 17 clients with {@code sslnegotiation=direct}; anything else is a startup packet.
 * Either way this handler leaves the pipeline, passing on the bytes it held.
 */
final class DirectTlsDetector extends ByteToMessageDecoder {
    private static final byte TLS_HANDSHAKE = 0x16;
    private final SslContext sslContext;

    DirectTlsDetector(SslContext sslContext) {
        this.sslContext = sslContext;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        if (in.getByte(in.readerIndex()) == TLS_HANDSHAKE) {
            ctx.channel().attr(PgSession.TLS).set(Boolean.TRUE);
            ctx.pipeline().replace(this, "tls", sslContext.newHandler(ctx.alloc()));
        } else {
            ctx.pipeline().remove(this);
        }
    }
}
