package io.auriga.core.engine;

import io.auriga.config.InstanceConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The engine-specific steps of a failover and of a planned switchover, run by the engine-neutral
 * orchestrator. Each call blocks for at most {@code timeout} and throws when its step did not
 * complete. The switchover steps have defaults that refuse, so an engine without them still
 * fails over and answers a switchover request with a clear error.
 */
public interface ClusterOperations {

    /** Promotes a replica and returns once it accepts writes. */
    void promote(InstanceConfig candidate, Duration timeout) throws Exception;

    /** Points a replica at a new primary and returns once it streams from it. */
    void repoint(InstanceConfig replica, InstanceConfig newPrimary, Duration timeout) throws Exception;

    /** Makes a former primary refuse writes and ends its client sessions, where it is reachable. */
    void fence(InstanceConfig former, Duration timeout) throws Exception;

    /**
     * Makes {@code instance} (a primary, or a replica about to be promoted) acknowledge a commit only
     * once at least one of {@code standbys} (instance names, which replicas use to identify themselves
     * to their primary) has it durably too; persistent across restarts. Returns once the setting is
     * in effect.
     */
    default void requireSynchronousStandbys(InstanceConfig instance, List<String> standbys, Duration timeout)
            throws Exception {
        throw new UnsupportedOperationException("quorum durability is not supported by this engine");
    }

    /**
     * What keeps {@link #requireSynchronousStandbys} for {@code instance} and {@code standbys} from being
     * in force now — a setting changed by hand, a standby restarted without its side of it — or empty
     * when it is. A standby that cannot be reached is not reported: nothing can be fixed on it until it
     * is back, and its return is noticed anyway.
     */
    default Optional<String> synchronousStandbysDrift(InstanceConfig instance, List<String> standbys,
                                                      Duration timeout) throws Exception {
        return Optional.empty();
    }

    /**
     * Switchover: makes the primary refuse new writes while keeping its idle sessions, and ends the
     * sessions still inside a transaction (other than the proxy's own control connections).
     * Returns once new transactions there are read-only.
     */
    default void makeReadOnly(InstanceConfig primary, Duration timeout) throws Exception {
        throw new UnsupportedOperationException("this engine does not support switchover");
    }

    /** Switchover rolled back: undoes {@link #makeReadOnly}; returns once new transactions may write. */
    default void makeWritable(InstanceConfig primary, Duration timeout) throws Exception {
        throw new UnsupportedOperationException("this engine does not support switchover");
    }

    /**
     * Waits until {@code replica} has replayed everything {@code primary} has durably written,
     * reading the primary's position again on each look so that late writes count too. Returns
     * the position reached (PostgreSQL: an LSN as a byte offset); throws naming both positions
     * when {@code timeout} passes first.
     */
    default long awaitCaughtUp(InstanceConfig primary, InstanceConfig replica, Duration timeout) throws Exception {
        throw new UnsupportedOperationException("this engine does not support switchover");
    }

    /** True when the instance accepts writes (is a primary), false when it is a replica. */
    default boolean isPrimary(InstanceConfig instance, Duration timeout) throws Exception {
        throw new UnsupportedOperationException("this engine does not support switchover");
    }
}
