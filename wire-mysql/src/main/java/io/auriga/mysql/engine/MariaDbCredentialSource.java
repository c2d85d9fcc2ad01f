package io.auriga.mysql.engine;

import com.zaxxer.hikari.HikariDataSource;
import io.auriga.config.ClusterConfig;
import io.auriga.core.auth.AccountPool;
import io.auriga.core.auth.CredentialSource;
import io.auriga.core.auth.StoredCredential;
import io.auriga.core.auth.UserLookup;
import io.auriga.mysql.auth.Ed25519Password;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an account's stored password from MariaDB's {@code mysql.global_priv} (JSON: plugin,
 * authentication_string, lock and expiry) with the cluster's admin credentials, from the first
 * instance that answers (replicas hold the same accounts).
 *
 * <p>An account name may exist for several host patterns. The proxy logs in to the backends from its
 * own address, so the account chosen is, in order: {@code 'user'@'127.0.0.1'}, {@code @'localhost'},
 * {@code @'::1'}, {@code @'%'}; otherwise the only one, or any when all share one password. What the
 * chosen account's row gives:
 * <pre>
 *   plugin mysql_native_password (or none), "*" + 40 hex   ⇒ StoredCredential.MySqlNative: checks any
 *        client answer to a scramble, and yields SHA1(password) for the backend logins
 *   plugin ed25519, base64 of a 32-byte public key (43)    ⇒ StoredCredential.MySqlEd25519: checks a
 *        password given in clear over TLS, which yields SHA512(password) for the backend logins
 *   locked, no password, a malformed value, any other plugin ⇒ Refused, with the reason for the log
 * </pre>
 * An account that cannot log in directly cannot log in through the proxy either; nor can one whose
 * plugin keeps nothing the proxy could check a client against and log in with again (PAM, unix_socket,
 * GSSAPI). An expired password is the server's to judge, as it depends on the client: the proxy checks
 * the password and passes the client's CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS on, so the backend either
 * opens its sandbox (only SET PASSWORD and ALTER USER) or refuses with ERR 1862, as it would directly.
 */
final class MariaDbCredentialSource implements CredentialSource, AutoCloseable {
    static final String NATIVE = "mysql_native_password";
    static final String ED25519 = "ed25519";
    private static final List<String> PREFERRED_HOSTS = List.of("127.0.0.1", "localhost", "::1", "%");
    private static final String QUERY = "SELECT Host, JSON_VALUE(Priv, '$.plugin'), "
            + "JSON_VALUE(Priv, '$.authentication_string'), JSON_VALUE(Priv, '$.account_locked') "
            + "FROM mysql.global_priv WHERE User = ?";

    private final HikariDataSource pool;

    MariaDbCredentialSource(ClusterConfig cluster, Duration timeout) {
        this.pool = AccountPool.open(cluster.name(), MariaDbJdbc.clusterUrl(cluster), MariaDbJdbc.properties(cluster, timeout),
                timeout);
    }

    /** One row of {@code mysql.global_priv}, as read. */
    record Account(String user, String host, String plugin, String hash, boolean locked) {
        String name() {
            return "'" + user + "'@'" + host + "'";
        }
    }

    @Override
    public UserLookup lookup(String user) {
        List<Account> accounts = new ArrayList<>();
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(QUERY)) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    accounts.add(new Account(user, rs.getString(1), rs.getString(2), rs.getString(3),
                            "true".equalsIgnoreCase(rs.getString(4))));
                }
            }
        } catch (SQLException e) {
            return new UserLookup.Unavailable("reading mysql.global_priv failed: " + e.getMessage());
        }
        return judge(user, accounts);
    }

    /** Picks the account the proxy's logins will match and decides whether it may log in. */
    static UserLookup judge(String user, List<Account> accounts) {
        if (accounts.isEmpty()) {
            return new UserLookup.Refused("account '" + user + "' does not exist");
        }
        Account chosen = null;
        for (String host : PREFERRED_HOSTS) {
            for (Account a : accounts) {
                if (chosen == null && host.equals(a.host())) {
                    chosen = a;
                }
            }
        }
        if (chosen == null) {
            Account first = accounts.get(0);
            boolean same = accounts.stream().allMatch(a -> java.util.Objects.equals(a.plugin(), first.plugin())
                    && java.util.Objects.equals(a.hash(), first.hash()));
            if (!same) {
                return new UserLookup.Refused("accounts " + accounts.stream().map(Account::name).toList()
                        + " have different passwords and none is for 127.0.0.1, localhost or %");
            }
            chosen = first;
        }
        if (chosen.locked()) {
            return new UserLookup.Refused("account " + chosen.name() + " is locked");
        }
        String plugin = chosen.plugin() == null || chosen.plugin().isEmpty() ? NATIVE : chosen.plugin();
        if (!NATIVE.equals(plugin) && !ED25519.equals(plugin)) {
            return new UserLookup.Refused("account " + chosen.name() + " authenticates with " + plugin
                    + "; only " + NATIVE + " and " + ED25519 + " accounts can log in through the proxy");
        }
        String hash = chosen.hash();
        if (hash == null || hash.isEmpty()) {
            return new UserLookup.Refused("account " + chosen.name() + " has no password");
        }
        if (ED25519.equals(plugin)) {
            try {
                return new UserLookup.Found(new StoredCredential.MySqlEd25519(Ed25519Password.storedKey(hash)));
            } catch (IllegalArgumentException e) {
                return new UserLookup.Refused("the stored " + ED25519 + " key of account " + chosen.name()
                        + " is malformed: " + e.getMessage());
            }
        }
        if (!hash.matches("\\*[0-9A-Fa-f]{40}")) {
            return new UserLookup.Refused("the stored password of account " + chosen.name() + " is malformed");
        }
        return new UserLookup.Found(new StoredCredential.MySqlNative(hash));
    }


    @Override
    public void close() {
        pool.close();
    }
}
