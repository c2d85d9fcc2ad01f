package io.auriga.core.admin;

import io.auriga.core.LogText;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of an HTTPS admin connection: looks at the first bytes and either puts the TLS
 * handler in its place or, for a plain HTTP request, answers it in plain text that this listener
 * speaks HTTPS, and closes.
 *
 * <pre>
 * client                         proxy
 *   TLS ClientHello  ───────────▶  replaced by SslHandler, which reads the hello on
 *   GET /topology HTTP/1.1 ─────▶  400 "this admin listener speaks HTTPS: use https://HOST:PORT", close
 * </pre>
 * Without it, {@code curl http://} or {@code auriga status --admin http://} against an HTTPS listener
 * would see the connection reset with no reason given.
 */
final class HttpsOnlyHandler extends ByteToMessageDecoder {
    /** A TLS record header: type, version, length. */
    private static final int RECORD_HEADER = 5;
    private static final Logger log = LoggerFactory.getLogger(HttpsOnlyHandler.class);

    private final SslContext context;
    private boolean refused;

    HttpsOnlyHandler(SslContext context) {
        this.context = context;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes()); // the rest of the request, read before the close completes
            return;
        }
        if (in.readableBytes() < RECORD_HEADER) {
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            // The buffered bytes are handed on to the SslHandler when this handler leaves the pipeline.
            ctx.pipeline().replace(this, "tls", context.newHandler(ctx.alloc()));
            return;
        }
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        String url = "https://" + hostForUrl(local) + ":" + local.getPort();
        String start = in.toString(in.readerIndex(), Math.min(in.readableBytes(), 64), StandardCharsets.US_ASCII);
        log.debug("Admin connection {} sent plain text to the HTTPS listener: {}", ctx.channel().remoteAddress(),
                LogText.escape(start));
        in.skipBytes(in.readableBytes());
        refused = true;
        String body = "this admin listener speaks HTTPS: use " + url + "\n";
        String response = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body;
        ctx.writeAndFlush(Unpooled.copiedBuffer(response, StandardCharsets.US_ASCII))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private static String hostForUrl(InetSocketAddress local) {
        String host = local.getAddress().getHostAddress();
        int zone = host.indexOf('%');
        host = zone < 0 ? host : host.substring(0, zone);
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
