package io.auriga.mysql.engine;

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
import io.auriga.mysql.auth.CachingSha2Cache;
import io.auriga.mysql.backend.BackendPool;
import io.auriga.mysql.backend.MySqlBackendConnector;
import io.auriga.mysql.backend.ServerProfile;
import io.auriga.mysql.frontend.ConnectionRegistry;
import io.auriga.mysql.frontend.MySqlFrontendInitializer;
import io.auriga.mysql.protocol.MySqlErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * MariaDB for the core: Connector/J probes, {@code mysql.global_priv} accounts and the MySQL
 * protocol front end. One connection-id registry serves every endpoint, since a {@code KILL} may
 * arrive on any of them; one server profile and one caching_sha2_password cache per cluster (a user
 * authenticated on the writer endpoint takes the fast path on the reader too).
 */
public final class MariaDbEngineSupport implements EngineSupport {
    private final Clock clock;
    private final Ticker ticker;
    private final EngineResources resources = new EngineResources();
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private final Map<String, ServerProfile.Holder> profiles = new HashMap<>();
    private final Map<String, CachingSha2Cache> sha2Caches = new HashMap<>();
    private final SecureRandom random = new SecureRandom();
    /** One TLS context per cluster, shared by its endpoints; the CA file is read once. */
    private final Map<String, BackendTls> backendTls = new HashMap<>();

    public MariaDbEngineSupport(Clock clock) {
        this(clock, Ticker.SYSTEM);
    }

    /**
     * @param clock  dates what the probes report
     * @param ticker measures the deadlines of failover steps
     */
    public MariaDbEngineSupport(Clock clock, Ticker ticker) {
        this.clock = clock;
        this.ticker = ticker;
    }

    @Override
    public Engine engine() {
        return Engine.MYSQL;
    }

    @Override
    public Probe.Factory probes(ClusterConfig cluster) {
        return instance -> new MariaDbProbe(cluster, instance, clock);
    }

    /**
     * Promote, repoint and fence with the admin credentials; replicas are repointed with the
     * replication account they already use.
     */
    @Override
    public ClusterOperations operations(ClusterConfig cluster) {
        return new MariaDbClusterOperations(cluster, null, ticker);
    }

    @Override
    public synchronized CredentialSource credentials(ClusterConfig cluster) {
        return resources.add(new MariaDbCredentialSource(cluster, cluster.failover().probeTimeout()));
    }

    /** The ERR the server itself sends instead of its handshake when it is full (1040). */
    @Override
    public ByteBuf refusal(ByteBufAllocator alloc, String message) {
        return MySqlErrors.frame(alloc, 0, MySqlErrors.tooManyConnections(message));
    }

    @Override
    public synchronized ChannelInitializer<SocketChannel> frontend(EndpointContext context) {
        boolean first = !profiles.containsKey(context.cluster().name());
        ServerProfile.Holder profile = profiles.computeIfAbsent(context.cluster().name(),
                k -> new ServerProfile.Holder());
        // Only sessions that follow the primary know their schema when they leave, so only they give back.
        var mysql = context.cluster().mysql();
        BackendPool pool = new BackendPool(context.router().followsPrimary() ? mysql.poolSize() : 0,
                mysql.poolIdleTimeout(), context.server().connectTimeout(), context.metrics());
        MySqlBackendConnector connector = new MySqlBackendConnector(context.loops(), context.server().connectTimeout(),
                profile, pool, backendTls.computeIfAbsent(context.cluster().name(),
                        k -> BackendTls.of(context.cluster().tls())));
        if (first) {
            // Clients are told the backends' version and capabilities: learn them before the first client comes.
            context.router().topology().current().instances().stream().findFirst()
                    .ifPresent(connector::learnProfile);
        }
        return new MySqlFrontendInitializer(context, connector, registry, sha2Cache(context.cluster().name()));
    }

    /** The caching_sha2_password cache of a cluster (created on first use), with its counts of each path. */
    public synchronized CachingSha2Cache sha2Cache(String cluster) {
        return sha2Caches.computeIfAbsent(cluster, k -> new CachingSha2Cache(CachingSha2Cache.DEFAULT_CAPACITY, random));
    }

    @Override
    public synchronized void close() {
        resources.close();
    }
}
