package io.auriga.core.tls;

import io.auriga.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Netty {@link SslContext} every client-facing endpoint shares.
 *
 * <p>The JDK provider is used so the proxy needs no native TLS library; only TLS 1.3 and 1.2 are
 * enabled, which every supported client speaks. The files are read and checked here rather
 * than left to Netty, so a wrong path, a non-PEM file or a key that belongs to another
 * certificate is refused at startup with a message naming the file.
 */
public final class TlsContexts {
    /** The ALPN protocol PostgreSQL 17 clients send, and require, for direct TLS. */
    public static final String ALPN_POSTGRESQL = "postgresql";

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

    private TlsContexts() {
    }

    /**
     * A server context for the certificate chain and key of an enabled TLS configuration.
     *
     * @param alpnProtocols protocols to offer by ALPN, most preferred first; empty for no ALPN
     * @throws IllegalArgumentException when TLS is disabled in {@code config}
     * @throws TlsMaterialException     when a file is missing, not PEM, or the key does not match
     */
    public static SslContext server(TlsConfig config, List<String> alpnProtocols) {
        Objects.requireNonNull(config, "config");
        if (config.mode() == TlsConfig.TlsMode.DISABLED || config.cert() == null || config.key() == null) {
            throw new IllegalArgumentException("TLS is disabled: no certificate and key configured");
        }
        return server(config.cert(), config.key(), alpnProtocols);
    }

    /**
     * A server context for a PEM certificate chain (leaf first) and a PEM private key (PKCS#8;
     * PKCS#1 and SEC1 are accepted too).
     *
     * <p>With ALPN protocols given, a client that offers none of them still completes the
     * handshake with no protocol selected: clients that predate ALPN use the negotiated
     * {@code SSLRequest} path and must keep working. A protocol handler that requires ALPN (such
     * as PostgreSQL direct TLS) checks {@code SslHandler.applicationProtocol()} itself.
     *
     * @throws TlsMaterialException when a file is missing, not PEM, or the key does not match
     */
    public static SslContext server(Path certChain, Path key, List<String> alpnProtocols) {
        return server(certChain, key, alpnProtocols, null);
    }

    /**
     * As {@link #server(Path, Path, List)}, asking clients for a certificate when {@code clientCa} is
     * given. The request is {@link ClientAuth#OPTIONAL}: a client without a certificate completes the
     * handshake (whoever serves the connection decides what it may do), while a certificate that does
     * not chain to {@code clientCa} fails the handshake.
     *
     * @param clientCa PEM certificates of the authorities client certificates must chain to; null for
     *                 none asked
     * @throws TlsMaterialException when a file is missing, not PEM, or the key does not match
     */
    public static SslContext server(Path certChain, Path key, List<String> alpnProtocols, Path clientCa) {
        Objects.requireNonNull(certChain, "certChain");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(alpnProtocols, "alpnProtocols");
        List<X509Certificate> chain = PemFiles.readCertificates(certChain);
        PrivateKey privateKey = readMatchingKey(key, certChain, chain.get(0));
        warnIfExpiring(certChain, chain.get(0), Clock.systemUTC().instant());
        SslContextBuilder builder = SslContextBuilder.forServer(privateKey, chain.toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.JDK)
                .protocols(PROTOCOLS)
                .clientAuth(ClientAuth.NONE);
        if (clientCa != null) {
            builder.trustManager(PemFiles.readCertificates(clientCa).toArray(X509Certificate[]::new))
                    .clientAuth(ClientAuth.OPTIONAL);
        }
        if (!alpnProtocols.isEmpty()) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN,
                    SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT, alpnProtocols));
        }
        try {
            return builder.build();
        } catch (SSLException | RuntimeException e) {
            throw new TlsMaterialException(certChain, "cannot be used for TLS (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A JDK client context for HTTPS (the {@code auriga} commands that call the admin API): it trusts
     * the certificates in {@code ca}, or the JDK's default authorities when null, and presents the
     * certificate chain {@code certChain} with {@code key} when both are given. Host names are checked
     * by the HTTP client.
     *
     * @throws TlsMaterialException when a file is missing, not PEM, or the key does not match
     */
    public static SSLContext httpsClient(Path ca, Path certChain, Path key) {
        if ((certChain == null) != (key == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols(PROTOCOLS);
        if (ca != null) {
            builder.trustManager(PemFiles.readCertificates(ca).toArray(X509Certificate[]::new));
        }
        if (certChain != null) {
            List<X509Certificate> chain = PemFiles.readCertificates(certChain);
            builder.keyManager(readMatchingKey(key, certChain, chain.get(0)), chain.toArray(X509Certificate[]::new));
        }
        Path blamed = certChain != null ? certChain : ca;
        try {
            return ((JdkSslContext) builder.build()).context();
        } catch (SSLException | RuntimeException e) {
            throw new TlsMaterialException(blamed, "cannot be used for TLS (" + e.getMessage() + ")", e);
        }
    }

    private static PrivateKey readMatchingKey(Path key, Path certChain, X509Certificate leaf) {
        PrivateKey privateKey = PemFiles.readPrivateKey(key);
        if (!Keys.matches(privateKey, leaf.getPublicKey())) {
            throw new TlsMaterialException(key, "does not belong to the first certificate in " + certChain
                    + " (" + leaf.getSubjectX500Principal() + ")");
        }
        return privateKey;
    }

    /** Expired material is still served (the operator decides), but every verifying client will refuse it. */
    private static void warnIfExpiring(Path file, X509Certificate leaf, Instant now) {
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (notAfter.isBefore(now)) {
            log.warn("{}: the certificate expired {}; clients that verify certificates will refuse it", file, notAfter);
        } else if (notAfter.isBefore(now.plus(CertificateAuthority.RENEW_BEFORE))) {
            log.warn("{}: the certificate expires {}", file, notAfter);
        }
    }
}
