package io.auriga.pg.protocol;

import java.util.Map;

/** The untagged first packets a client may send (protocol §55.2.1, §55.2.8, §55.2.10). */
public sealed interface StartupPacket {

    record SslRequest() implements StartupPacket {
    }

    record GssEncRequest() implements StartupPacket {
    }

    record CancelRequest(int processId, int secretKey) implements StartupPacket {
    }

    /** A StartupMessage; {@code minor} above 0 asks for a newer 3.x protocol. */
    record Startup(int major, int minor, Map<String, String> parameters) implements StartupPacket {
    }

    /**
     * A Terminate message ({@code 'X'}, length 4) where a startup packet belongs: a client that
     * gives up before logging in (libpq does after a refused SSLRequest when it needs TLS).
     * PostgreSQL closes without a word; so does the proxy.
     */
    record Terminate() implements StartupPacket {
    }

    /** A packet that cannot be understood; the reason goes to the client and the log. */
    record Invalid(String code, String reason) implements StartupPacket {
    }
}
