package io.auriga.core.admin;

import io.auriga.core.failover.SwitchoverResult;
import java.util.concurrent.CompletableFuture;

/**
 * What the admin API may ask of the running proxy beyond its snapshots: what each cluster has
 * under way, and a planned switchover.
 */
public interface AdminControl {

    /** For a proxy without clusters to act on: nothing under way, switchover refused. */
    AdminControl NONE = new AdminControl() {
        @Override
        public InProgress inProgress(String cluster) {
            return null;
        }

        @Override
        public CompletableFuture<SwitchoverResult> switchover(String cluster, String target) {
            return CompletableFuture.completedFuture(SwitchoverResult.refused(cluster,
                    SwitchoverResult.Outcome.UNKNOWN, "no cluster named '" + cluster + "'"));
        }
    };

    /**
     * A failover or switchover a cluster has under way.
     *
     * @param kind        {@code failover} or {@code switchover}
     * @param description what it does, e.g. "switchover from pg1 to pg2"
     */
    record InProgress(String kind, String description) {
    }

    /** What {@code cluster} has under way, or null when nothing is. Must not block. */
    InProgress inProgress(String cluster);

    /**
     * Starts a planned switchover of {@code cluster} to {@code target} (null: the best candidate);
     * completes when it has ended, or at once when refused. Must not block.
     */
    CompletableFuture<SwitchoverResult> switchover(String cluster, String target);
}
