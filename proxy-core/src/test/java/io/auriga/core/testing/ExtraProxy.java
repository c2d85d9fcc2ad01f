package io.auriga.core.testing;

import io.auriga.config.AdminConfig;
import io.auriga.config.AurigaConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.FailoverConfig;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.engine.EngineSupport;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A second proxy in front of a test's servers, with a cluster configuration of its own (TLS to the
 * instances, say). It never fails over, so that it cannot disturb the servers the test's main proxy
 * watches; the caller closes it.
 */
public final class ExtraProxy {
    private ExtraProxy() {
    }

    /** Starts a proxy for {@code cluster} (its endpoints on free ports) with no admin API and no client TLS. */
    public static AurigaServer start(ClusterConfig cluster, EngineSupport engine) throws IOException {
        FailoverConfig f = cluster.failover();
        ClusterConfig watching = new ClusterConfig(cluster.name(), cluster.engine(), cluster.instances(),
                cluster.adminCredentials(), cluster.endpoints(),
                new FailoverConfig(false, f.probeInterval(), f.failureThreshold(), f.probeTimeout(), f.failoverTimeout()),
                cluster.durability(), cluster.mysql(), cluster.postgres(), cluster.tls());
        ServerConfig d = ServerConfig.defaults();
        ServerConfig server = new ServerConfig("127.0.0.1", 1, TestTransport.configured(), d.startupTimeout(),
                d.connectTimeout(), d.maxStartupPacket(), d.userCacheTtl());
        AurigaConfig config = new AurigaConfig(List.of(watching), List.of(), TlsConfig.disabled(),
                new AdminConfig("127.0.0.1", 0), server, null);
        AurigaServer proxy = new AurigaServer(config, Map.of(cluster.engine(), engine), Clock.systemUTC());
        try {
            proxy.start();
        } catch (IOException | RuntimeException e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }
}
