package io.auriga.config;

import java.util.List;

/**
 * The admin HTTP listener ({@code /health}, {@code /topology}, {@code /metrics}, {@code POST
 * /switchover}); port 0 disables it.
 *
 * <p>A request that changes the cluster always needs one of {@code tokens} as a bearer token, and so
 * do the reads unless {@code publicRead}: the listener is reachable from every local process and from
 * web pages in the operator's browser. Only {@code /health} is open, since load balancers probe it.
 * Without a token the API can only be read (or not at all), so a listener on an address other than
 * loopback needs tokens or client certificates ({@link AdminTlsConfig#clientCa}).
 *
 * @param tokens       bearer tokens any of which is accepted (several while one is rotated); empty
 *                     when {@code admin.auth} is not configured
 * @param publicRead   whether {@code /topology} and {@code /metrics} answer without a token
 * @param allowedHosts names besides the listener's own address under which clients reach it (the
 *                     {@code Host} a browser sends); any other name is refused, which defeats DNS rebinding
 * @param tls          HTTPS, and optionally client certificates, for the listener; null for plain HTTP
 */
public record AdminConfig(String host, int port, List<Secret> tokens, boolean publicRead, List<String> allowedHosts,
                          AdminTlsConfig tls) {

    public AdminConfig {
        tokens = List.copyOf(tokens);
        allowedHosts = List.copyOf(allowedHosts);
    }

    /** A plain HTTP listener. */
    public AdminConfig(String host, int port, List<Secret> tokens, boolean publicRead, List<String> allowedHosts) {
        this(host, port, tokens, publicRead, allowedHosts, null);
    }

    /** A plain HTTP listener without tokens: it answers {@code /health} only. */
    public AdminConfig(String host, int port) {
        this(host, port, List.of(), false, List.of());
    }

    public static AdminConfig defaults() {
        return new AdminConfig("127.0.0.1", 6480);
    }

    /** The same listener, accepting {@code token} (a test's or the demo's own). */
    public AdminConfig withToken(Secret token) {
        return new AdminConfig(host, port, List.of(token), publicRead, allowedHosts, tls);
    }

    /** The same listener over HTTPS as {@code tls} describes. */
    public AdminConfig withTls(AdminTlsConfig tls) {
        return new AdminConfig(host, port, tokens, publicRead, allowedHosts, tls);
    }

    /**
     * Whether a request can prove who sent it: {@code admin.auth} gives tokens, or client certificates
     * are verified ({@code admin.tls.client-ca}).
     */
    public boolean authenticated() {
        return !tokens.isEmpty() || tls != null && tls.verifiesClients();
    }

    /**
     * Whether {@code host} is a loopback address, known without asking DNS: {@code localhost},
     * {@code 127.0.0.0/8} or {@code ::1}. A name that might resolve elsewhere is not.
     */
    public static boolean loopback(String host) {
        String h = host.strip();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.equalsIgnoreCase("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
                || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
