package io.auriga.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * HTTPS on the admin listener ({@code admin.tls}). With it the listener speaks HTTPS only, serving
 * {@code cert} (a PEM chain, leaf first) with {@code key}.
 *
 * <p>With {@code clientCa} it also asks every client for a certificate and verifies one that is
 * presented against these authorities: a request over a connection whose certificate verified is
 * authenticated as a bearer token would make it. A client without a certificate still completes the
 * handshake, so load balancers keep probing {@code /health}; everything else then needs a token.
 *
 * @param clientCa PEM certificates of the authorities client certificates must chain to; null when
 *                 the listener asks for none
 */
public record AdminTlsConfig(Path cert, Path key, Path clientCa) {

    public AdminTlsConfig {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
    }

    /** Whether a verified client certificate authenticates a request. */
    public boolean verifiesClients() {
        return clientCa != null;
    }
}
