package io.auriga.core.auth;

import io.auriga.config.UserConfig;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Finds the credential a client is checked against. Users listed in the config take
 * precedence (token users among them); everyone else is the database's own, read through a {@link CredentialSource}
 * on a blocking executor at every login, so that a changed password, a locked or dropped account
 * counts from the next login on, as it does on a direct connection. What was read is remembered for
 * {@code ttl}, and stands in only while the source cannot be asked (no instance reachable), so that
 * users who logged in lately still can.
 */
public final class UserStore {
    private volatile Map<String, StoredCredential> configured;
    private final CredentialSource database;
    private final Executor blocking;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /** @param tokens checks login tokens; null when no user logs in with one */
    public UserStore(List<UserConfig> users, Tokens tokens, CredentialSource database, Executor blocking, Clock clock,
                     Duration ttl, SecureRandom random) {
        this.configured = configured(users, tokens, random);
        this.database = database;
        this.blocking = blocking;
        this.clock = clock;
        this.ttl = ttl;
    }

    /**
     * Replaces the users from the config (a reload): logins from now on are checked against these;
     * sessions already logged in keep what they were given.
     */
    public void reload(List<UserConfig> users, Tokens tokens, SecureRandom random) {
        this.configured = configured(users, tokens, random);
    }

    private static Map<String, StoredCredential> configured(List<UserConfig> users, Tokens tokens,
                                                            SecureRandom random) {
        Map<String, StoredCredential> byName = new HashMap<>();
        for (UserConfig user : users) {
            if (user.token()) {
                if (tokens == null || user.password() == null) {
                    throw new IllegalArgumentException("token user " + user.name() + " needs the token key and a "
                            + "database password");
                }
                byName.put(user.name(), new StoredCredential.Token(tokens,
                        new LoginSecret.Password(user.password().reveal())));
            } else if (user.scramVerifier() != null) {
                byName.put(user.name(), new StoredCredential.Scram(ScramVerifier.parse(user.scramVerifier())));
            } else if (user.password() != null) {
                String password = user.password().reveal();
                byName.put(user.name(), new StoredCredential.Password(password,
                        ScramVerifier.fromPassword(password, random)));
            }
        }
        return Map.copyOf(byName);
    }

    /**
     * Looks a user up: completes at once for config users, otherwise on the blocking executor with the
     * source's answer, or with what it answered within {@code ttl} when it cannot be asked now.
     */
    public CompletableFuture<UserLookup> lookup(String user) {
        StoredCredential fromConfig = configured.get(user);
        if (fromConfig != null) {
            return CompletableFuture.completedFuture(new UserLookup.Found(fromConfig));
        }
        return CompletableFuture.supplyAsync(() -> {
            UserLookup result = database.lookup(user);
            if (!(result instanceof UserLookup.Unavailable)) {
                cache.put(user, new Cached(result, clock.instant().plus(ttl)));
                return result;
            }
            Cached cached = cache.get(user);
            return cached != null && cached.until.isAfter(clock.instant()) ? cached.lookup : result;
        }, blocking);
    }

    /** Forgets what was read for a user, after a failed login. */
    public void invalidate(String user) {
        cache.remove(user);
    }

    private record Cached(UserLookup lookup, Instant until) {
    }
}
