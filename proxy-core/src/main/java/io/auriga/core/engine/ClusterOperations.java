package io.auriga.core.engine;

import io.auriga.config.InstanceConfig;
import java.time.Duration;
import java.util.List;

/**
 * The engine-specific steps of a failover, run by the engine-neutral orchestrator. Each call
 * blocks for at most {@code timeout} and throws when its step did not complete.
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
}
