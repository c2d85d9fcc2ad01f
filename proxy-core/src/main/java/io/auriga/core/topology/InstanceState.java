package io.auriga.core.topology;

import io.auriga.config.InstanceConfig;
import java.time.Instant;

/**
 * One instance as the monitor last saw it.
 *
 * @param position  replication position (PostgreSQL: LSN as a byte offset; -1 when unknown):
 *                  the current WAL position on a primary, the replayed position on a replica
 * @param lagMillis how far a replica's replay trails the primary, 0 for a primary, -1 unknown
 * @param error     the last probe's failure, null when it succeeded
 * @param received  how much WAL the instance holds: on a replica the position it has received and
 *                  flushed (possibly not replayed yet), which is what a synchronous commit waits for;
 *                  the current position on a primary; -1 unknown
 * @param replicationError a replica whose replication stopped on an error: the server's error (it is
 *                  out of the reader endpoints until replication runs again); null otherwise
 */
public record InstanceState(
        InstanceConfig config,
        Role role,
        long position,
        long lagMillis,
        Instant observedAt,
        String error,
        long received,
        String replicationError) {

    /** An instance whose replication, if any, runs. */
    public InstanceState(InstanceConfig config, Role role, long position, long lagMillis, Instant observedAt,
                         String error, long received) {
        this(config, role, position, lagMillis, observedAt, error, received, null);
    }

    /** An instance whose received position is its {@code position}. */
    public InstanceState(InstanceConfig config, Role role, long position, long lagMillis, Instant observedAt,
                         String error) {
        this(config, role, position, lagMillis, observedAt, error, position);
    }

    public String name() {
        return config.name();
    }

    public boolean isRoutable() {
        return role == Role.PRIMARY || role == Role.REPLICA;
    }

    /** A replica that follows the primary: one whose replication stopped on an error serves no reads. */
    public boolean isFollowingReplica() {
        return role == Role.REPLICA && replicationError == null;
    }

    public static InstanceState unknown(InstanceConfig config, Instant now) {
        return new InstanceState(config, Role.DOWN, -1, -1, now, "not probed yet");
    }
}
