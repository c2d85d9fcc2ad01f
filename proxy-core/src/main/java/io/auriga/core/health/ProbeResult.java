package io.auriga.core.health;

import io.auriga.core.topology.Role;
import java.time.Instant;

/**
 * What one probe of one instance saw.
 *
 * @param role           PRIMARY or REPLICA when the probe succeeded, DOWN when it failed
 * @param position       primary: current write position; replica: replayed position; -1 unknown
 * @param received       replica: received (not necessarily replayed) position; -1 unknown
 * @param lastReplayAt   replica: commit time of the last replayed transaction, null unknown
 * @param refused        the connection was actively refused (a fast signal of a dead server)
 * @param error          why the probe failed, null on success
 * @param replicationError replica: why its replication stopped (the server's error), null while it runs or
 *                         retries; a replica that stopped on an error no longer follows the primary
 * @param sessionDefaults a digest of the defaults a new session gets from its role and database
 *                        (PostgreSQL's {@code pg_db_role_setting}), null where the engine does not say
 */
public record ProbeResult(Role role, long position, long received, Instant lastReplayAt, boolean refused,
                          String error, String replicationError, String sessionDefaults) {
    private static final String LOGIN_REFUSED = "admin login refused: ";

    public ProbeResult(Role role, long position, long received, Instant lastReplayAt, boolean refused,
                       String error) {
        this(role, position, received, lastReplayAt, refused, error, null, null);
    }

    public static ProbeResult primary(long position) {
        return new ProbeResult(Role.PRIMARY, position, position, null, false, null);
    }

    public static ProbeResult replica(long replayed, long received, Instant lastReplayAt) {
        return new ProbeResult(Role.REPLICA, replayed, received, lastReplayAt, false, null);
    }

    /** The instance answered but refused the admin login (wrong password, no such user, pg_hba). */
    public static ProbeResult loginRefused(String error) {
        return failed(LOGIN_REFUSED + error, false);
    }

    public static ProbeResult failed(String error, boolean refused) {
        return new ProbeResult(Role.DOWN, -1, -1, null, refused, error);
    }

    /** The same result for a replica whose replication stopped on {@code why}. */
    public ProbeResult withReplicationError(String why) {
        return new ProbeResult(role, position, received, lastReplayAt, refused, error, why, sessionDefaults);
    }

    /** The same result with the digest of session defaults the probe read. */
    public ProbeResult withSessionDefaults(String digest) {
        return new ProbeResult(role, position, received, lastReplayAt, refused, error, replicationError, digest);
    }

    /** Whether the instance refused the admin login, rather than being unreachable or failing the probe. */
    public boolean loginRefused() {
        return error != null && error.startsWith(LOGIN_REFUSED);
    }

    public boolean ok() {
        return error == null;
    }
}
