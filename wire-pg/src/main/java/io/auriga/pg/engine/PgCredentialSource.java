package io.auriga.pg.engine;

import com.zaxxer.hikari.HikariDataSource;
import io.auriga.config.ClusterConfig;
import io.auriga.core.auth.AccountPool;
import io.auriga.core.auth.CredentialSource;
import io.auriga.core.auth.Md5Password;
import io.auriga.core.auth.ScramVerifier;
import io.auriga.core.auth.StoredCredential;
import io.auriga.core.auth.UserLookup;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;

/**
 * Reads a role's stored password from {@code pg_authid} with the cluster's admin credentials,
 * preferring the primary but answering from a replica when there is none (physical replicas hold
 * the same verifiers). A role that cannot log in directly cannot log in through the proxy either:
 * NOLOGIN, no password, or an expired {@code VALID UNTIL} are refused.
 */
final class PgCredentialSource implements CredentialSource, AutoCloseable {
    private static final String QUERY =
            "SELECT rolpassword, rolcanlogin, rolvaliduntil FROM pg_catalog.pg_authid WHERE rolname = ?";

    private final HikariDataSource pool;
    private final Clock clock;

    PgCredentialSource(ClusterConfig cluster, Duration timeout, Clock clock) {
        this.pool = AccountPool.open(cluster.name(), PgJdbc.clusterUrl(cluster), PgJdbc.properties(cluster, timeout),
                timeout);
        this.clock = clock;
    }

    @Override
    public UserLookup lookup(String user) {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(QUERY)) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new UserLookup.Refused("role \"" + user + "\" does not exist");
                }
                return judge(user, rs.getString(1), rs.getBoolean(2), rs.getTimestamp(3));
            }
        } catch (SQLException e) {
            return new UserLookup.Unavailable("reading pg_authid failed: " + e.getMessage());
        }
    }

    private UserLookup judge(String user, String stored, boolean canLogin, Timestamp validUntil) {
        if (!canLogin) {
            return new UserLookup.Refused("role \"" + user + "\" is not permitted to log in");
        }
        if (stored == null || stored.isEmpty()) {
            return new UserLookup.Refused("role \"" + user + "\" has no password");
        }
        if (validUntil != null && validUntil.toInstant().isBefore(clock.instant())) {
            return new UserLookup.Refused("password of role \"" + user + "\" has expired");
        }
        if (ScramVerifier.looksLikeVerifier(stored)) {
            try {
                return new UserLookup.Found(new StoredCredential.Scram(ScramVerifier.parse(stored)));
            } catch (IllegalArgumentException e) {
                return new UserLookup.Refused("stored SCRAM verifier of \"" + user + "\" is malformed");
            }
        }
        if (Md5Password.isStoredHash(stored)) {
            return new UserLookup.Found(new StoredCredential.Md5(stored));
        }
        return new UserLookup.Refused("password of \"" + user + "\" is stored in an unsupported form");
    }

    @Override
    public void close() {
        pool.close();
    }
}
