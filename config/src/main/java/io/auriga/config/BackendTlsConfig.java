package io.auriga.config;

import java.nio.file.Path;

/**
 * TLS on the proxy's own connections to a cluster's instances: the relay's backend connections and
 * the control plane's (monitor, user lookups, failover steps). The modes are libpq's:
 * <ul>
 *   <li>{@code disable}: plain text (the default, as PgBouncer's {@code server_tls_sslmode});</li>
 *   <li>{@code prefer}: TLS where the instance offers it, plain text otherwise, nothing verified;</li>
 *   <li>{@code require}: TLS or no connection, the certificate not verified;</li>
 *   <li>{@code verify-full}: TLS with a certificate issued by {@code ca} for the instance's host.</li>
 * </ul>
 *
 * @param ca PEM certificates of the authorities an instance's certificate must chain to; required by
 *           {@code verify-full}, null otherwise
 */
public record BackendTlsConfig(Mode mode, Path ca) {
    public static final BackendTlsConfig DISABLED = new BackendTlsConfig(Mode.DISABLE, null);

    public BackendTlsConfig {
        mode = mode == null ? Mode.DISABLE : mode;
    }

    public enum Mode {
        DISABLE, PREFER, REQUIRE, VERIFY_FULL;

        /** The word used in the configuration file, {@code verify-full} for {@link #VERIFY_FULL}. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** Whether the proxy asks an instance for TLS at all. */
    public boolean attempted() {
        return mode != Mode.DISABLE;
    }

    /** Whether a connection is refused when the instance does not speak TLS. */
    public boolean required() {
        return mode == Mode.REQUIRE || mode == Mode.VERIFY_FULL;
    }
}
