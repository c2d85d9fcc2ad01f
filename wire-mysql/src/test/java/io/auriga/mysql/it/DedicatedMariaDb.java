package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.FailoverConfig;
import io.auriga.sandbox.mariadb.MariaDbBinaries;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A MariaDB cluster of one test class's own, for tests that break it (kill, promote): started
 * before the class, closed after it. Register with {@code @RegisterExtension static final}.
 */
final class DedicatedMariaDb implements BeforeAllCallback, AfterAllCallback {
    private final FailoverConfig failover;
    private final boolean selfHealing;
    private final UnaryOperator<ClusterConfig> adjust;
    private ProxiedMariaDb cluster;

    DedicatedMariaDb(FailoverConfig failover) {
        this(failover, false);
    }

    /** @param selfHealing whether the sandbox rejoins a fenced former primary (see {@link ProxiedMariaDb#start}) */
    DedicatedMariaDb(FailoverConfig failover, boolean selfHealing) {
        this(failover, selfHealing, UnaryOperator.identity());
    }

    /** @param adjust changes the cluster configuration (its endpoints, say) */
    DedicatedMariaDb(FailoverConfig failover, boolean selfHealing, UnaryOperator<ClusterConfig> adjust) {
        this.failover = failover;
        this.selfHealing = selfHealing;
        this.adjust = adjust;
    }

    ProxiedMariaDb get() {
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        assumeTrue(MariaDbBinaries.find().isPresent(), "no MariaDB server binaries on this machine");
        cluster = ProxiedMariaDb.start(failover, selfHealing, adjust);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            // Servers paused by a test must run again to be stopped cleanly.
            cluster.sandbox().instances().forEach(i -> cluster.sandbox().resume(i.name()));
            cluster.close();
        }
    }
}
