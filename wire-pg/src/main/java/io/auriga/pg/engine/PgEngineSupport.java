package io.auriga.pg.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Engine;
import io.auriga.core.auth.CredentialSource;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.engine.EndpointContext;
import io.auriga.core.engine.EngineResources;
import io.auriga.core.engine.EngineSupport;
import io.auriga.core.health.Probe;
import io.auriga.core.session.Ticker;
import io.auriga.core.tls.BackendTls;
import io.auriga.pg.backend.PgBackendConnector;
import io.auriga.pg.backend.PgBackendPool;
import io.auriga.pg.frontend.CancelRegistry;
import io.auriga.pg.frontend.PgFrontendInitializer;
import io.auriga.pg.protocol.PgError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** PostgreSQL for the core: pgjdbc probes, {@code pg_authid} users and the PostgreSQL front end. */
public final class PgEngineSupport implements EngineSupport {
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Ticker ticker;
    private final EngineResources resources = new EngineResources();
    private CancelRegistry cancels;
    private final Map<String, BackendTls> backendTls = new HashMap<>();

    public PgEngineSupport(Clock clock) {
        this(clock, Ticker.SYSTEM);
    }

    /**
     * @param clock  dates what is cached and logged
     * @param ticker measures the deadlines of failover steps
     */
    public PgEngineSupport(Clock clock, Ticker ticker) {
        this.clock = clock;
        this.ticker = ticker;
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
        return new PgClusterOperations(cluster, ticker);
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
                random, pool, backendTls(context.cluster()));
        return new PgFrontendInitializer(context, connector, cancels);
    }

    /** One TLS context per cluster, shared by its endpoints; the CA file is read once. */
    private BackendTls backendTls(ClusterConfig cluster) {
        return backendTls.computeIfAbsent(cluster.name(), k -> BackendTls.of(cluster.tls()));
    }

    @Override
    public ByteBuf refusal(ByteBufAllocator alloc, String message) {
        // What the postmaster says when it is full; sent before the client's first packet is read,
        // which libpq and pgjdbc report even in answer to an SSLRequest.
        return PgError.fatal(PgError.TOO_MANY_CONNECTIONS, message).encode(alloc);
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
