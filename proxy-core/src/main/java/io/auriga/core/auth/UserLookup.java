package io.auriga.core.auth;

/**
 * The answer to "who is this user?": a credential to check the client against, or a reason the
 * user may not log in. The reason is for the log; clients are told only that authentication failed.
 */
public sealed interface UserLookup {

    record Found(StoredCredential credential) implements UserLookup {
    }

    /** No such user, or one that may not log in (no password, NOLOGIN, expired). */
    record Refused(String reason) implements UserLookup {
    }

    /** The source of users could not be asked (no instance reachable, admin login failed). */
    record Unavailable(String reason) implements UserLookup {
    }
}
