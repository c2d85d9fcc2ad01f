package io.auriga.core.tls;

import io.auriga.config.TlsConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.util.List;

/** Placeholder replaced by the full implementation. */
public final class TlsContexts {
    private TlsContexts() {
    }

    public static SslContext server(TlsConfig tls, List<String> alpn) throws IOException {
        return SslContextBuilder.forServer(tls.cert().toFile(), tls.key().toFile()).build();
    }
}
