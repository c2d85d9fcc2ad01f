package io.auriga.pg.it;

import io.auriga.config.ClusterConfig;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A cluster of one test class's own, for tests that break it (kill, pause, promote): started
 * before the class, closed after it. Register with {@code @RegisterExtension static final}.
 */
final class DedicatedCluster implements BeforeAllCallback, AfterAllCallback {
    private final boolean selfHealing;
    private final UnaryOperator<ClusterConfig> adjust;
    private ProxiedCluster cluster;

    DedicatedCluster(boolean selfHealing) {
        this(selfHealing, UnaryOperator.identity());
    }

    /** @param adjust changes the cluster configuration (durability, promotion tiers) */
    DedicatedCluster(boolean selfHealing, UnaryOperator<ClusterConfig> adjust) {
        this.selfHealing = selfHealing;
        this.adjust = adjust;
    }

    ProxiedCluster get() {
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        cluster = ProxiedCluster.start(selfHealing, adjust);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            // Processes paused by a test must run again to be stopped cleanly.
            cluster.sandbox().instances().forEach(i -> cluster.sandbox().resume(i.name()));
            cluster.close();
        }
    }
}
