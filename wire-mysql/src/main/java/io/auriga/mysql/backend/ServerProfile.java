package io.auriga.mysql.backend;

import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.HandshakeV10;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the proxy tells MySQL clients about "the server" in its own handshake: the backends'
 * version string (drivers pick features and dialects by it), their default collation, and the
 * capabilities the proxy supports end to end — those it can relay byte-correctly, intersected with
 * what the backends offer. Learned from backend handshakes; a MariaDB 10.11 default until then.
 *
 * @param serverVersion the backend's version string, e.g. {@code 5.5.5-10.11.19-MariaDB}
 * @param capabilities  the backend's capabilities
 * @param characterSet  the backend's default collation id
 */
public record ServerProfile(String serverVersion, long capabilities, int characterSet) {

    /**
     * Capabilities the relay handles. Left out: CLIENT_COMPRESS (the proxy's own, see
     * {@link #PROXY_OWN}), CLIENT_OPTIONAL_RESULTSET_METADATA, MariaDB progress reports, COM_MULTI, metadata caching
     * and bulk unit results (each changes what the response tracker would have to follow).
     * CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS goes on to the backend login, whose server decides, as
     * directly, between its sandbox and ERR 1862 for an account whose password expired.
     */
    public static final long SUPPORTED = Capabilities.CLIENT_MYSQL | Capabilities.CLIENT_FOUND_ROWS
            | Capabilities.CLIENT_LONG_FLAG | Capabilities.CLIENT_CONNECT_WITH_DB | Capabilities.CLIENT_NO_SCHEMA
            | Capabilities.CLIENT_ODBC | Capabilities.CLIENT_LOCAL_FILES | Capabilities.CLIENT_IGNORE_SPACE
            | Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_INTERACTIVE | Capabilities.CLIENT_IGNORE_SIGPIPE
            | Capabilities.CLIENT_TRANSACTIONS | Capabilities.CLIENT_RESERVED | Capabilities.CLIENT_SECURE_CONNECTION
            | Capabilities.CLIENT_MULTI_STATEMENTS | Capabilities.CLIENT_MULTI_RESULTS
            | Capabilities.CLIENT_PS_MULTI_RESULTS | Capabilities.CLIENT_PLUGIN_AUTH | Capabilities.CLIENT_CONNECT_ATTRS
            | Capabilities.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA | Capabilities.CLIENT_SESSION_TRACK
            | Capabilities.CLIENT_DEPRECATE_EOF | Capabilities.CLIENT_QUERY_ATTRIBUTES
            | Capabilities.CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS | Capabilities.MARIADB_CLIENT_STMT_BULK_OPERATIONS | Capabilities.MARIADB_CLIENT_EXTENDED_METADATA;

    /**
     * Capabilities the proxy offers whatever the backends do, because it implements them on the
     * client's side alone: the compressed protocol ends at the proxy, and backend links stay plain.
     */
    public static final long PROXY_OWN = Capabilities.CLIENT_COMPRESS;

    /** Flags that change the byte layout of later packets: the backend session must have exactly the client's. */
    public static final long LAYOUT = Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_DEPRECATE_EOF
            | Capabilities.CLIENT_SESSION_TRACK | Capabilities.CLIENT_QUERY_ATTRIBUTES
            | Capabilities.CLIENT_MULTI_RESULTS | Capabilities.CLIENT_PS_MULTI_RESULTS
            | Capabilities.MARIADB_CLIENT_STMT_BULK_OPERATIONS | Capabilities.MARIADB_CLIENT_EXTENDED_METADATA;

    /** A MariaDB 10.11 server, as its handshake describes itself, for use until a backend has been seen. */
    public static final ServerProfile MARIADB_10_11 = new ServerProfile("5.5.5-10.11.0-MariaDB",
            0x81FF_F7FEL | 0x1DL << 32, 45);

    public static ServerProfile of(HandshakeV10 handshake) {
        return new ServerProfile(handshake.serverVersion(), handshake.capabilities(), handshake.characterSet());
    }

    /** Whether the backends are MariaDB (their version says so), not MySQL. */
    public boolean mariaDb() {
        return serverVersion.contains("MariaDB");
    }

    /**
     * What the proxy's handshake offers: the supported subset of the backend's, the proxy's own, and
     * TLS when configured.
     */
    public long advertised(boolean tls) {
        return SUPPORTED & capabilities | PROXY_OWN | (tls ? Capabilities.CLIENT_SSL : 0);
    }

    /** The latest profile seen for a cluster, shared by its endpoints and their backend logins. */
    public static final class Holder {
        private final AtomicReference<ServerProfile> current = new AtomicReference<>(MARIADB_10_11);

        public ServerProfile get() {
            return current.get();
        }

        public void set(ServerProfile profile) {
            current.set(profile);
        }
    }
}
