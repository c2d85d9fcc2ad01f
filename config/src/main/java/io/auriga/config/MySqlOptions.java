package io.auriga.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What only a {@code mysql} cluster's endpoints take: whether clients may use
 * {@code LOAD DATA LOCAL INFILE} through them, which authentication plugin the proxy's handshake
 * names, and how backend connections are kept for reuse.
 *
 * @param localInfile whether {@code LOAD DATA LOCAL INFILE} is relayed (true, the default: the proxy
 *                    changes nothing and the database's own {@code local_infile} and the client's opt-in
 *                    decide) or refused at the proxy (false: the backend login leaves out
 *                    {@code CLIENT_LOCAL_FILES}, so the server answers such a statement with its own
 *                    error, and no client file is ever read through the proxy)
 * @param authPlugin  the plugin named in the proxy's Handshake v10; clients that follow the server's
 *                    choice (MySQL and MariaDB Connector/J, libmariadb) start with it
 * @param poolSize    how many backend connections a writer endpoint keeps, per instance, event loop
 *                    and login (user, schema, character set, capabilities), when their clients leave
 *                    between statements: reset with {@code COM_RESET_CONNECTION}, they serve the next
 *                    client that logs in the same way, which then skips the backend connect and login;
 *                    0 closes every backend connection with its client
 * @param poolIdleTimeout how long a kept connection waits for a client before it is closed
 */
public record MySqlOptions(boolean localInfile, AuthPlugin authPlugin, int poolSize, Duration poolIdleTimeout) {

    /** Relay LOCAL INFILE, greet with {@code mysql_native_password}: what a MariaDB server does; reuse connections. */
    public static final MySqlOptions DEFAULTS = new MySqlOptions(true, AuthPlugin.MYSQL_NATIVE_PASSWORD, 16,
            Duration.ofSeconds(10));

    public MySqlOptions {
        authPlugin = authPlugin == null ? AuthPlugin.MYSQL_NATIVE_PASSWORD : authPlugin;
    }

    /** The same options with {@code LOAD DATA LOCAL INFILE} allowed or refused. */
    public MySqlOptions withLocalInfile(boolean allowed) {
        return new MySqlOptions(allowed, authPlugin, poolSize, poolIdleTimeout);
    }

    /** The same options with {@code plugin} named in the handshake. */
    public MySqlOptions withAuthPlugin(AuthPlugin plugin) {
        return new MySqlOptions(localInfile, plugin, poolSize, poolIdleTimeout);
    }

    /** The same options with {@code size} connections kept per login (0: none). */
    public MySqlOptions withPoolSize(int size) {
        return new MySqlOptions(localInfile, authPlugin, size, poolIdleTimeout);
    }

    /** The authentication plugins the proxy can greet clients with, by their protocol names. */
    public enum AuthPlugin {
        /**
         * One round trip for every client; a client that starts with caching_sha2_password anyway is
         * still served (see the MySQL protocol section of the README).
         */
        MYSQL_NATIVE_PASSWORD("mysql_native_password"),
        /**
         * MySQL 8's default: the password is proved with SHA-256; the first login of a database user
         * over TLS sends it once in clear (full authentication), later ones take the fast path.
         */
        CACHING_SHA2_PASSWORD("caching_sha2_password");

        private final String wireName;

        AuthPlugin(String wireName) {
            this.wireName = wireName;
        }

        /** The name as the protocol and the config spell it. */
        public String wireName() {
            return wireName;
        }

        static Map<String, AuthPlugin> byWireName() {
            Map<String, AuthPlugin> names = new LinkedHashMap<>();
            for (AuthPlugin plugin : values()) {
                names.put(plugin.wireName, plugin);
            }
            return Collections.unmodifiableMap(names);
        }
    }
}
