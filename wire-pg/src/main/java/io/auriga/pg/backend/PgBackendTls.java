package io.auriga.pg.backend;

import io.auriga.core.tls.BackendTls;
import io.auriga.core.topology.InstanceState;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * Asks a backend for TLS before the login (protocol §55.2.10, "SSL Session Encryption"):
 * <pre>
 *   proxy → SSLRequest
 *   backend → 'S'   ⇒ TLS handshake (verified as the cluster's tls.mode says); the login starts
 *                     when it completes ({@code SslHandshakeCompletionEvent})
 *   backend → 'N'   ⇒ plain login (prefer), or the login fails (require, verify-full)
 * </pre>
 * The login handler behind this one sees {@code channelActive} only for a plain login. Bytes that
 * follow the 'S' before the handshake were not protected by it (CVE-2021-23222) and fail the login.
 */
final class PgBackendTls extends ByteToMessageDecoder {
    static final String NAME = "pg-backend-tls";
    static final String SSL = "pg-backend-ssl";

    private final BackendTls tls;
    private final InstanceState instance;

    PgBackendTls(BackendTls tls, InstanceState instance) {
        this.tls = tls;
        this.instance = instance;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(ctx.alloc().buffer(8).writeInt(8).writeInt(PgMessages.SSL_REQUEST));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws BackendLoginException {
        byte answer = in.readByte();
        if (in.isReadable()) {
            throw new BackendLoginException(instance.name() + " sent data after its answer to the TLS request",
                    (byte[]) null);
        }
        switch (answer) {
            case 'S' -> {
                SslHandler ssl = tls.newHandler(ctx.alloc(), instance.config());
                ctx.pipeline().addFirst(SSL, ssl);
                ctx.pipeline().remove(this);
            }
            case 'N' -> {
                if (tls.required()) {
                    throw new BackendLoginException(instance.name() + " does not accept TLS, which tls.mode "
                            + tls.config().mode().configName() + " requires", (byte[]) null);
                }
                ctx.fireChannelActive();
                ctx.pipeline().remove(this);
            }
            default -> throw new BackendLoginException(instance.name() + " answered the TLS request with '"
                    + (char) answer + "' rather than S or N", (byte[]) null);
        }
    }
}
