package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Protocol::AuthMoreData: 0x01 and plugin data, what caching_sha2_password's server side sends after
 * the client's scramble (0x03 fast_auth_success, 0x04 perform_full_authentication).
 *
 * <p>One client reads it differently: MySQL Connector/J, when the server's version is below 5.5.16,
 * hands its plugin the packet <em>with</em> the 0x01 (servers that old sent plugin data bare), so its
 * caching_sha2_password plugin takes the 0x01 for the status and fails ("Unknown server response after
 * fast auth"). MariaDB servers call themselves {@code 5.5.5-10.11.x-MariaDB} to MySQL clients, and the
 * proxy passes the backends' version on: to Connector/J behind such a version the data goes bare.
 * Clients are told apart by the {@code _client_name} connection attribute; a client that sends none
 * behind such a version cannot be told apart, and {@link #framing} says so (the proxy then avoids
 * AuthMoreData altogether).
 */
public final class AuthMoreData {
    public static final int HEADER = 0x01;
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)");

    /** How a client expects AuthMoreData. */
    public enum Framing {
        /** 0x01, then the data: every client behind a server of 5.5.16 or later, and all but Connector/J before. */
        STANDARD,
        /** The data alone: MySQL Connector/J behind a server version below 5.5.16. */
        BARE
    }

    private AuthMoreData() {
    }

    /**
     * How the client that sent {@code attributes} reads AuthMoreData from a server announcing
     * {@code serverVersion}, or null when that cannot be known.
     */
    public static Framing framing(String serverVersion, Map<String, String> attributes) {
        if (!below5516(serverVersion)) {
            return Framing.STANDARD;
        }
        String client = attributes.get("_client_name");
        if (client == null) {
            return null;
        }
        return client.equals("MySQL Connector/J") ? Framing.BARE : Framing.STANDARD;
    }

    /** Whether a version string reads as below 5.5.16 the way Connector/J reads it (its first x.y.z). */
    static boolean below5516(String serverVersion) {
        Matcher m = VERSION.matcher(serverVersion == null ? "" : serverVersion);
        if (!m.find()) {
            return true;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int patch = Integer.parseInt(m.group(3));
        return major < 5 || major == 5 && (minor < 5 || minor == 5 && patch < 16);
    }

    /** Writes one status byte of plugin data, framed as the client expects. */
    public static void encode(ByteBuf out, Framing framing, byte status) {
        if (framing == Framing.STANDARD) {
            out.writeByte(HEADER);
        }
        out.writeByte(status);
    }
}
