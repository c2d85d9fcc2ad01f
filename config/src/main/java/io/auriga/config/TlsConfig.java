package io.auriga.config;

import java.nio.file.Path;

/** TLS for client connections: PEM certificate chain and PKCS#8 key; both null when disabled. */
public record TlsConfig(TlsMode mode, Path cert, Path key) {

    public static TlsConfig disabled() {
        return new TlsConfig(TlsMode.DISABLED, null, null);
    }

    public enum TlsMode {
        DISABLED, OPTIONAL, REQUIRED
    }
}
