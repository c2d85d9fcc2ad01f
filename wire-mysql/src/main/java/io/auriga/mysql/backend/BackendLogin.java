package io.auriga.mysql.backend;

import io.auriga.mysql.auth.BackendSecret;
import io.auriga.mysql.protocol.Capabilities;
import java.util.Map;

/**
 * What a backend login sends on a client's behalf: the client's negotiated capabilities, database,
 * collation, packet limit and connection attributes, and the {@link BackendSecret} that answers any
 * backend's challenge for the account's plugin.
 *
 * @param readOnly whether the session is made read-only once logged in (reader endpoints)
 */
public record BackendLogin(String user, BackendSecret secret, String database, long capabilities, int characterSet,
                           long maxPacketSize, Map<String, String> attributes, boolean readOnly) {

    /** Capabilities for a short control session that runs one statement (KILL) and reads OK or ERR. */
    public static final long CONTROL = Capabilities.CLIENT_MYSQL | Capabilities.CLIENT_PROTOCOL_41
            | Capabilities.CLIENT_SECURE_CONNECTION | Capabilities.CLIENT_PLUGIN_AUTH | Capabilities.CLIENT_TRANSACTIONS;

    public BackendLogin {
        attributes = Map.copyOf(attributes);
    }

    /** A login as the same user for a control statement, without database, attributes or read-only. */
    public BackendLogin control() {
        return new BackendLogin(user, secret, null, CONTROL, characterSet, 1 << 24,
                Map.of("program_name", "auriga-control"), false);
    }

    /** The same login with another default schema (null: none). */
    public BackendLogin withDatabase(String schema) {
        return new BackendLogin(user, secret, schema, capabilities, characterSet, maxPacketSize, attributes, readOnly);
    }

    @Override
    public String toString() {
        return "BackendLogin[user=" + user + ", database=" + database + "]";
    }
}
