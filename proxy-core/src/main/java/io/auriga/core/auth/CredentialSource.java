package io.auriga.core.auth;

/**
 * Reads a user's stored credential from the database itself (engine specific: {@code pg_authid}
 * on PostgreSQL). Calls block and are made off the event loops; each must bound its own time.
 */
@FunctionalInterface
public interface CredentialSource {

    UserLookup lookup(String user);

    /** A source for setups where only configured users may log in. */
    static CredentialSource none() {
        return user -> new UserLookup.Refused("user is not configured and database users are disabled");
    }
}
