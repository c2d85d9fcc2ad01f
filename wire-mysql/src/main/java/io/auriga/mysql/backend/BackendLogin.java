package io.auriga.mysql.backend;

import io.auriga.mysql.protocol.Capabilities;
import java.util.Map;

/**
 * What a backend login sends on a client's behalf: the client's negotiated capabilities, database,
 * collation, packet limit and connection attributes, and {@code SHA1(password)}, which answers any
 * backend's mysql_native_password scramble.
 *
 * @param readOnly whether the session is made read-only once logged in (reader endpoints)
 */
public record BackendLogin(String user, byte[] stage1, String database, long capabilities, int characterSet,
                           long maxPacketSize, Map<String, String> attributes, boolean readOnly) {

    /** Capabilities for a short control session that runs one statement (KILL) and reads OK or ERR. */
    public static final long CONTROL = Capabilities.CLIENT_MYSQL | Capabilities.CLIENT_PROTOCOL_41
            | Capabilities.CLIENT_SECURE_CONNECTION | Capabilities.CLIENT_PLUGIN_AUTH | Capabilities.CLIENT_TRANSACTIONS;

    public BackendLogin {
        stage1 = stage1.clone();
        attributes = Map.copyOf(attributes);
    }

    @Override
    public byte[] stage1() {
        return stage1.clone();
    }

    /** A login as the same user for a control statement, without database, attributes or read-only. */
    public BackendLogin control() {
        return new BackendLogin(user, stage1, null, CONTROL, characterSet, 1 << 24,
                Map.of("program_name", "auriga-control"), false);
    }

    /** The same login with another default schema (null: none). */
    public BackendLogin withDatabase(String schema) {
        return new BackendLogin(user, stage1, schema, capabilities, characterSet, maxPacketSize, attributes, readOnly);
    }

    @Override
    public String toString() {
        return "BackendLogin[user=" + user + ", database=" + database + "]";
    }
}
