package io.auriga.core.topology;

/** What the monitor observed an instance to be. Never configured. */
public enum Role {
    /** Accepts writes. */
    PRIMARY,
    /** Replays a primary's changes and serves reads. */
    REPLICA,
    /** Not reachable, or its last probes failed. */
    DOWN,
    /** A former primary that must not take traffic again. */
    FENCED;

    /** The word used in the admin API and logs. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
