package io.auriga.core.tls;

import io.auriga.config.BackendTlsConfig;
import io.auriga.config.InstanceConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The TLS side of the proxy's connections to one cluster's instances ({@code clusters[].tls}): whether
 * to ask for it, whether to go on without it, and the client handler that verifies the instance.
 *
 * <p>{@code verify-full} checks the chain against the configured authorities and the instance's
 * {@code host} against the certificate's names (DNS or IP address), as libpq does; {@code require}
 * and {@code prefer} encrypt without checking who answers, and so only protect against a passive
 * listener.
 */
public final class BackendTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /** No TLS, for clusters whose mode is {@code disable}. */
    public static final BackendTls DISABLED = new BackendTls(BackendTlsConfig.DISABLED, null);

    private final BackendTlsConfig config;
    private final SslContext context;

    private BackendTls(BackendTlsConfig config, SslContext context) {
        this.config = config;
        this.context = context;
    }

    /**
     * Reads the configured authorities once, at start.
     *
     * @throws TlsMaterialException when the CA file is missing or holds no PEM certificate
     */
    public static BackendTls of(BackendTlsConfig config) {
        if (!config.attempted()) {
            return DISABLED;
        }
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols(PROTOCOLS);
        if (config.mode() == BackendTlsConfig.Mode.VERIFY_FULL) {
            List<X509Certificate> authorities = PemFiles.readCertificates(config.ca());
            // The instance's host (a DNS name or an IP address) must be named by its certificate.
            builder.trustManager(authorities.toArray(X509Certificate[]::new)).endpointIdentificationAlgorithm("HTTPS");
        } else {
            // Netty's client contexts check the host name by default; with nothing verified, neither is that.
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        }
        try {
            return new BackendTls(config, builder.build());
        } catch (SSLException | RuntimeException e) {
            throw new TlsMaterialException(config.ca(), "cannot be used for TLS (" + e.getMessage() + ")", e);
        }
    }

    public BackendTlsConfig config() {
        return config;
    }

    /** Whether the proxy asks the instance for TLS. */
    public boolean attempted() {
        return config.attempted();
    }

    /** Whether a connection must fail when the instance does not offer TLS. */
    public boolean required() {
        return config.required();
    }

    /**
     * A client-side handler for a connection to {@code instance}; the handshake starts as soon as
     * it is added to an active channel.
     *
     * @throws IllegalStateException when TLS is disabled
     */
    public SslHandler newHandler(ByteBufAllocator alloc, InstanceConfig instance) {
        if (context == null) {
            throw new IllegalStateException("TLS to the instances is disabled");
        }
        return context.newHandler(alloc, instance.host(), instance.port());
    }
}
