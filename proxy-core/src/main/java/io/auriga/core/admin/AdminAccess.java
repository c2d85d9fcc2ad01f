package io.auriga.core.admin;

import io.auriga.config.AdminConfig;
import io.auriga.config.Secret;
import io.auriga.core.LogText;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who may ask what of the admin API. The listener is reachable from every local process and, through
 * the operator's browser, from any web page: a page can POST to it (a form needs no CORS preflight)
 * and, with DNS rebinding, even read it under a name of its own. So:
 * <ul>
 *   <li>{@code /health} is open: load balancers probe it and it tells nothing worth hiding;</li>
 *   <li>{@code /topology} and {@code /metrics} need a bearer token unless {@code admin.public-read};</li>
 *   <li>everything else, {@code POST /switchover} first, always needs one, and without
 *       {@code admin.auth} nothing can change the cluster through this API;</li>
 *   <li>a request whose {@code Host} or {@code Origin} names something other than this listener was
 *       sent by a browser on behalf of another site and is refused, token or not.</li>
 * </ul>
 * With {@code admin.tls.client-ca}, a connection whose client certificate verified against that
 * authority in the TLS handshake is as good as a token, for reads and changes. The handshake only
 * asks for a certificate ({@code ClientAuth.OPTIONAL}) rather than requiring one: load balancers probe
 * {@code /health} without one, and a client with a token but no certificate still gets in; a
 * certificate from another authority fails the handshake itself. The {@code Host}/{@code Origin}
 * checks still come first: a browser holding an installed client certificate sends it along with a
 * request another site makes it send.
 *
 * <p>Tokens are compared through their SHA-256 digests with {@link MessageDigest#isEqual}, against every
 * configured token, so the time taken says nothing about how much of a guess was right.
 */
final class AdminAccess {
    /** What a path exposes. */
    enum Exposure { OPEN, READ, CHANGE }

    /** Why a request is not served, as the client will be told. */
    record Refusal(HttpResponseStatus status, String message) {
        boolean asksForToken() {
            return status.equals(HttpResponseStatus.UNAUTHORIZED);
        }
    }

    private static final String BEARER = "bearer ";

    private final List<byte[]> digests;
    private final boolean publicRead;
    private final boolean clientCertificates;
    private final String scheme;
    private final Set<String> names = new HashSet<>();

    AdminAccess(AdminConfig config) {
        this.digests = config.tokens().stream().map(Secret::reveal).map(AdminAccess::digest).toList();
        this.publicRead = config.publicRead();
        this.clientCertificates = config.tls() != null && config.tls().verifiesClients();
        this.scheme = config.tls() == null ? "http://" : "https://";
        names.addAll(List.of("localhost", "127.0.0.1", "::1", bare(config.host())));
        config.allowedHosts().forEach(h -> names.add(bare(h)));
    }

    static Exposure exposure(String path) {
        return switch (path) {
            case "/health" -> Exposure.OPEN;
            case "/topology", "/metrics" -> Exposure.READ;
            default -> Exposure.CHANGE;
        };
    }

    /**
     * The subject of the certificate {@code channel}'s client presented and the TLS handshake verified,
     * or null for a connection without TLS or without a client certificate.
     */
    static String verifiedClient(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf
                    ? leaf.getSubjectX500Principal().getName() : null;
        } catch (SSLPeerUnverifiedException none) {
            return null;
        }
    }

    /**
     * Empty when {@code request} may be served on a connection accepted at {@code local} whose client
     * presented a verified certificate for {@code clientSubject} (null: none); otherwise why not.
     */
    Optional<Refusal> check(HttpRequest request, String path, InetSocketAddress local, String clientSubject) {
        Exposure exposure = exposure(path);
        if (exposure == Exposure.OPEN) {
            return Optional.empty();
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host != null && !isListener(scheme + host, local)) {
            return refuse(HttpResponseStatus.FORBIDDEN, "Host " + host + " is not this admin listener (add the name "
                    + "to admin.allowed-hosts if clients reach it so)");
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !isListener(origin, local)) {
            return refuse(HttpResponseStatus.FORBIDDEN, "Origin " + origin + " is not this admin listener: the admin "
                    + "API does not answer requests other web sites make through a browser");
        }
        if (exposure == Exposure.READ && publicRead) {
            return Optional.empty();
        }
        if (clientCertificates && clientSubject != null) {
            return Optional.empty(); // the handshake verified it against admin.tls.client-ca
        }
        if (digests.isEmpty() && !clientCertificates) {
            return refuse(HttpResponseStatus.FORBIDDEN, exposure == Exposure.READ
                    ? path + " needs admin.auth.tokens in the proxy's config (or admin.public-read: true)"
                    : "admin.auth is not configured, so the admin API changes nothing: set admin.auth.tokens in the "
                    + "proxy's config");
        }
        if (!authenticated(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            return refuse(HttpResponseStatus.UNAUTHORIZED, clientCertificates
                    ? path + " needs a client certificate from admin.tls.client-ca or an admin token: auriga status "
                    + "and switchover take --admin-cert and --admin-key, or --admin-token-file or AURIGA_ADMIN_TOKEN"
                    : path + " needs an admin token: send Authorization: Bearer TOKEN (auriga status and switchover "
                    + "take --admin-token-file or AURIGA_ADMIN_TOKEN)");
        }
        return Optional.empty();
    }

    /** Who a request that {@link #check} let through proved to be, for the log; escaped. */
    String credential(HttpRequest request, String clientSubject) {
        if (clientCertificates && clientSubject != null) {
            return "client certificate " + LogText.escape(clientSubject);
        }
        return authenticated(request.headers().get(HttpHeaderNames.AUTHORIZATION)) ? "admin token" : "no credential";
    }

    private boolean authenticated(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = digest(authorization.substring(BEARER.length()).strip());
        boolean match = false;
        for (byte[] token : digests) {
            match |= MessageDigest.isEqual(presented, token);
        }
        return match;
    }

    /**
     * Whether {@code url} ({@code scheme://host[:port]}) names this listener: one of its names, on the
     * port the connection was accepted on (a browser leaves out 80 and 443).
     */
    private boolean isListener(String url, InetSocketAddress local) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return false;
        }
        if (uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty()
                || !"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            return false;
        }
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        String name = bare(uri.getHost());
        return port == local.getPort() && (names.contains(name) || name.equals(bare(local.getHostString()))
                || name.equals(bare(local.getAddress().getHostAddress())));
    }

    /** A host name lower-cased, an IPv6 literal without brackets and zone. */
    private static String bare(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        int zone = h.indexOf('%');
        h = zone < 0 ? h : h.substring(0, zone);
        return h.equals("0:0:0:0:0:0:0:1") ? "::1" : h;
    }

    private static Optional<Refusal> refuse(HttpResponseStatus status, String message) {
        return Optional.of(new Refusal(status, message));
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
