package io.auriga.pg.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Engine;
import io.auriga.core.auth.CredentialSource;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.engine.EndpointContext;
import io.auriga.core.engine.EngineResources;
import io.auriga.core.engine.EngineSupport;
import io.auriga.core.health.Probe;
import io.auriga.pg.backend.PgBackendConnector;
import io.auriga.pg.backend.PgBackendPool;
import io.auriga.pg.frontend.CancelRegistry;
import io.auriga.pg.frontend.PgFrontendInitializer;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/** PostgreSQL for the core: pgjdbc probes, {@code pg_authid} users and the PostgreSQL front end. */
public final class PgEngineSupport implements EngineSupport {
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final EngineResources resources = new EngineResources();
    private CancelRegistry cancels;

    public PgEngineSupport(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Engine engine() {
        return Engine.POSTGRES;
    }

    @Override
    public Probe.Factory probes(ClusterConfig cluster) {
        return instance -> new PgProbe(cluster, instance);
    }

    @Override
    public ClusterOperations operations(ClusterConfig cluster) {
        return new PgClusterOperations(cluster);
    }

    @Override
    public synchronized CredentialSource credentials(ClusterConfig cluster) {
        return resources.add(new PgCredentialSource(cluster, cluster.failover().probeTimeout(), clock));
    }

    @Override
    public synchronized ChannelInitializer<SocketChannel> frontend(EndpointContext context) {
        if (cancels == null) {
            // One registry for every endpoint: a cancel may arrive on any of them.
            cancels = new CancelRegistry(random, context.loops(), context.server().connectTimeout());
        }
        var postgres = context.cluster().postgres();
        PgBackendPool pool = new PgBackendPool(postgres.poolSize(), postgres.poolIdleTimeout(),
                context.server().connectTimeout(), context.metrics());
        context.router().topology().onStaleSessions(pool::stale);
        PgBackendConnector connector = new PgBackendConnector(context.loops(), context.server().connectTimeout(),
                random, pool);
        return new PgFrontendInitializer(context, connector, cancels);
    }

    @Override
    public List<String> alpnProtocols() {
        return List.of("postgresql");
    }

    @Override
    public synchronized void close() {
        resources.close();
    }
}
