package io.auriga.core;

import io.auriga.config.AurigaConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.Durability;
import io.auriga.config.EndpointConfig;
import io.auriga.config.Engine;
import io.auriga.config.TlsConfig;
import io.auriga.core.admin.AdminControl;
import io.auriga.core.admin.AdminServer;
import io.auriga.core.admin.Metrics;
import io.auriga.core.auth.LoginThrottle;
import io.auriga.core.auth.Tokens;
import io.auriga.core.auth.UserStore;
import io.auriga.core.engine.ClusterOperations;
import io.auriga.core.engine.EndpointContext;
import io.auriga.core.engine.EngineSupport;
import io.auriga.core.failover.CommandRejoiner;
import io.auriga.core.failover.FailoverOrchestrator;
import io.auriga.core.failover.QuorumKeeper;
import io.auriga.core.failover.Rejoiner;
import io.auriga.core.failover.SwitchoverResult;
import io.auriga.core.health.Monitor;
import io.auriga.core.net.EventLoops;
import io.auriga.core.net.ClientAdmission;
import io.auriga.core.net.ConnectionLimits;
import io.auriga.core.net.DescriptorLimit;
import io.auriga.core.net.Listener;
import io.auriga.core.net.RateLimitedLog;
import io.auriga.core.routing.ConnectionCounts;
import io.auriga.core.routing.Router;
import io.auriga.core.session.Ticker;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import io.auriga.core.tls.TlsContexts;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a configuration: for each cluster a monitor and its topology, for each endpoint a
 * listener with its router, one shared event-loop group, and the admin API. Engines are passed
 * in explicitly, one per protocol. {@link #close()} stops everything it started.
 */
public final class AurigaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AurigaServer.class);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);

    private volatile AurigaConfig config;
    /** Per cluster, the users it checks logins against; replaced in place by {@link #reload}. */
    private final List<UserStore> userStores = new ArrayList<>();
    /** Per cluster, its endpoints' TLS context and the ALPN protocols it was made with. */
    private final List<Map.Entry<AtomicReference<SslContext>, List<String>>> tlsContexts = new ArrayList<>();
    private SecureRandom random;
    private final Map<Engine, EngineSupport> engines;
    private final Map<String, Rejoiner> rejoiners;
    private final Clock clock;
    private EventLoops loops;
    private final ExecutorService blocking;
    private final Map<String, TopologyHolder> topologies = new LinkedHashMap<>();
    private final List<Monitor> monitors = new ArrayList<>();
    private final Map<String, FailoverOrchestrator> orchestrators = new LinkedHashMap<>();
    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    private final Metrics metrics = new Metrics();
    private final ConnectionLimits limits;
    /** One warning per interval for refused connections, over every endpoint. */
    private final RateLimitedLog refusals = new RateLimitedLog(Duration.ofSeconds(10), Ticker.SYSTEM);
    private AdminServer admin;

    public AurigaServer(AurigaConfig config, Map<Engine, EngineSupport> engines, Clock clock) {
        this(config, engines, clock, Map.of());
    }

    /**
     * @param rejoiners per cluster name, how to rejoin a fenced former primary (clusters Auriga manages);
     *                  other clusters run their config's {@code rejoin-command}, if any
     */
    public AurigaServer(AurigaConfig config, Map<Engine, EngineSupport> engines, Clock clock,
                        Map<String, Rejoiner> rejoiners) {
        this.rejoiners = Map.copyOf(rejoiners);
        this.config = config;
        this.limits = new ConnectionLimits(config.server().maxConnections(), config.server().maxStartupPerAddress());
        this.engines = Map.copyOf(engines);
        this.clock = clock;
        this.blocking = Executors.newFixedThreadPool(4, daemon("auriga-users"));
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Probes every cluster once, then opens every endpoint; throws if any port cannot be bound. */
    public void start() throws IOException {
        try {
            loops = EventLoops.create(config.server().ioThreads(), config.server().transport());
            logDescriptorLimit();
            random = new SecureRandom();
            // Built first, since building it reads admin.tls: bad material stops the start before an
            // instance is contacted or an endpoint listens. It listens once the clusters are up.
            AdminServer adminServer = config.admin().port() == 0 ? null : new AdminServer(loops.group(),
                    loops.serverChannel(), config.admin(), this::topologies, metrics, new Control());
            for (ClusterConfig cluster : config.clusters()) {
                startCluster(cluster, random);
            }
            if (adminServer != null) {
                admin = adminServer;
                admin.start();
            }
            log.info("auriga started: {} endpoint(s) on {} event-loop thread(s) ({})", listeners.size(),
                    loops.threads(), EventLoops.name(loops.transport()));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startCluster(ClusterConfig cluster, SecureRandom random) throws IOException {
        EngineSupport engine = engines.get(cluster.engine());
        if (engine == null) {
            throw new IOException("cluster " + cluster.name() + ": engine " + cluster.engine().configName()
                    + " is not supported by this build");
        }
        TopologyHolder holder = new TopologyHolder(Monitor.initial(cluster, clock), clock);
        topologies.put(cluster.name(), holder);
        Monitor monitor = new Monitor(cluster, engine.probes(cluster), holder, clock,
                Executors.newSingleThreadScheduledExecutor(daemon("auriga-monitor-" + cluster.name())),
                Executors.newFixedThreadPool(cluster.instances().size(), daemon("auriga-probe-" + cluster.name())));
        monitors.add(monitor);
        monitor.start();
        checkAdminLogin(cluster, monitor.refusedLogins());
        ClusterOperations operations = engine.operations(cluster);
        QuorumKeeper quorum = cluster.durability() == Durability.QUORUM
                ? new QuorumKeeper(cluster, holder, operations, clock) : null;
        Rejoiner rejoiner = rejoiners.containsKey(cluster.name()) ? rejoiners.get(cluster.name())
                : CommandRejoiner.of(cluster).orElse(null);
        orchestrators.put(cluster.name(), new FailoverOrchestrator(cluster, holder, monitor, operations, rejoiner,
                quorum, clock));
        UserStore users = new UserStore(config.users(), Tokens.of(config.tokens(), clock), engine.credentials(cluster),
                blocking, clock, config.server().userCacheTtl(), random);
        userStores.add(users);
        AtomicReference<SslContext> ssl = new AtomicReference<>(sslContext(config.tls(), engine.alpnProtocols()));
        tlsContexts.add(Map.entry(ssl, engine.alpnProtocols()));
        ConnectionCounts counts = new ConnectionCounts();
        LoginThrottle throttle = new LoginThrottle(config.server().loginThrottle(), clock);
        for (EndpointConfig endpoint : cluster.endpoints()) {
            EndpointContext context = new EndpointContext(cluster, endpoint, new Router(endpoint, holder, counts),
                    counts, users, config.server(), config.tls().mode(), ssl::get, loops,
                    metrics.endpoint(cluster.name(), endpoint.name()), throttle);
            String host = endpoint.host() != null ? endpoint.host() : config.server().bindHost();
            ClientAdmission admission = new ClientAdmission(context.name(), limits, engine::refusal,
                    engine.frontend(context), refusals);
            Listener listener = Listener.bind(context.name(), loops, host, endpoint.port(), admission, BIND_TIMEOUT);
            listeners.put(context.name(), listener);
            log.info("endpoint {} ({}) listening on {}:{}", context.name(), endpoint.role().name().toLowerCase(),
                    host, listener.port());
        }
    }

    private void logDescriptorLimit() {
        OptionalLong limit = DescriptorLimit.current();
        if (limit.isEmpty()) {
            return;
        }
        log.info("descriptor limit {} (sessions with their backends may need up to {}); at most {} client "
                + "connections (server.max-connections), {} per address before login", limit.getAsLong(),
                DescriptorLimit.needed(limits.maxConnections()), limits.maxConnections(),
                limits.maxStartupPerAddress());
        DescriptorLimit.shortfall(limit.getAsLong(), limits.maxConnections()).ifPresent(log::warn);
    }

    /**
     * Says, at ERROR, which instance refused the admin user in the first round and why; refuses to start
     * when all did: without the admin login nothing can be probed, no user read, no failover run.
     */
    private static void checkAdminLogin(ClusterConfig cluster, Map<String, String> refused) throws IOException {
        String user = cluster.adminCredentials().user();
        refused.forEach((instance, why) -> log.error("cluster {}: instance {} refused the admin user {}: {}",
                cluster.name(), instance, user, why));
        if (!refused.isEmpty() && refused.size() == cluster.instances().size()) {
            throw new IOException("cluster " + cluster.name() + ": no instance accepts the admin user " + user
                    + " (" + String.join("; ", refused.entrySet().stream().map(e -> e.getKey() + ": "
                    + e.getValue()).toList()) + "); check admin-credentials");
        }
    }

    private static SslContext sslContext(TlsConfig tls, List<String> alpn) {
        if (tls.mode() == TlsConfig.TlsMode.DISABLED) {
            return null;
        }
        return TlsContexts.server(tls, alpn);
    }

    /** The current snapshot of every cluster, in configuration order. */
    public List<Topology> topologies() {
        return topologies.values().stream().map(TopologyHolder::withFailover).toList();
    }

    public TopologyHolder topology(String cluster) {
        return topologies.get(cluster);
    }

    /**
     * Starts a planned switchover of {@code cluster} to {@code target} (null: the replica a failover
     * would choose); completes when it has ended, at once when refused.
     */
    public CompletableFuture<SwitchoverResult> switchover(String cluster, String target) {
        FailoverOrchestrator orchestrator = orchestrators.get(cluster);
        if (orchestrator == null) {
            return CompletableFuture.completedFuture(SwitchoverResult.refused(cluster,
                    SwitchoverResult.Outcome.UNKNOWN, "no cluster named '" + cluster + "' (clusters: "
                            + String.join(", ", orchestrators.keySet()) + ")"));
        }
        return orchestrator.switchover(target);
    }

    /** What the admin API may ask: operations under way and switchover. */
    private final class Control implements AdminControl {
        @Override
        public InProgress inProgress(String cluster) {
            TopologyHolder holder = topologies.get(cluster);
            if (holder == null) {
                return null;
            }
            if (holder.switchover() != null) {
                return new InProgress("switchover", holder.switchover());
            }
            return holder.failover() == null ? null : new InProgress("failover", holder.failover());
        }

        @Override
        public CompletableFuture<SwitchoverResult> switchover(String cluster, String target) {
            return AurigaServer.this.switchover(cluster, target);
        }
    }

    /** The bound port of an endpoint, by {@code cluster/endpoint} name (useful with port 0). */
    public int port(String cluster, String endpoint) {
        return listeners.get(cluster + "/" + endpoint).port();
    }

    /** The event loops every endpoint and backend connection runs on (tests use them to order events). */
    public io.netty.channel.EventLoopGroup eventLoops() {
        return loops.group();
    }

    /**
     * Applies what of {@code next} can change while the proxy runs: the users from the config, how
     * tokens are checked, and the TLS certificate and key (read again from their files, the admin
     * listener's too). Logins from
     * now on use them; sessions already open keep theirs. Anything else that differs — clusters,
     * endpoints, the TLS mode, the admin listener, server settings — is left as it runs and named in
     * the answer, to be applied by a restart.
     *
     * @return what differs and was not applied; empty when everything was
     * @throws IllegalArgumentException when the TLS files cannot be loaded (nothing is changed then)
     */
    public synchronized List<String> reload(AurigaConfig next) {
        AurigaConfig now = config;
        List<SslContext> contexts = new ArrayList<>();
        if (next.tls().mode() == now.tls().mode()) {
            for (Map.Entry<AtomicReference<SslContext>, List<String>> tls : tlsContexts) {
                contexts.add(sslContext(next.tls(), tls.getValue()));
            }
        }
        // The admin listener's files are read again only while its configuration stands as it runs.
        boolean adminTls = admin != null && next.admin().equals(now.admin()) && now.admin().tls() != null;
        if (adminTls) {
            admin.reloadTls();
        }
        List<String> notApplied = new ArrayList<>();
        if (!next.clusters().equals(now.clusters())) {
            notApplied.add("clusters");
        }
        if (next.tls().mode() != now.tls().mode()) {
            notApplied.add("tls.mode");
        }
        if (!next.admin().equals(now.admin())) {
            notApplied.add("admin");
        }
        if (!next.server().equals(now.server())) {
            notApplied.add("server");
        }
        Tokens tokens = Tokens.of(next.tokens(), clock);
        for (UserStore users : userStores) {
            users.reload(next.users(), tokens, random);
        }
        for (int i = 0; i < contexts.size(); i++) {
            tlsContexts.get(i).getKey().set(contexts.get(i));
        }
        config = new AurigaConfig(now.clusters(), next.users(), contexts.isEmpty() ? now.tls() : next.tls(),
                now.admin(), now.server(), next.tokens());
        log.info("configuration reloaded: {} user(s) from the config, tokens {}, TLS {}{}{}", next.users().size(),
                next.tokens() == null ? "off" : "checked with " + next.tokens().publicKeys().size() + " key(s)",
                contexts.isEmpty() ? "unchanged" : next.tls().mode() == TlsConfig.TlsMode.DISABLED ? "off"
                        : "files read again",
                adminTls ? ", admin TLS files read again" : "",
                notApplied.isEmpty() ? "" : "; not applied until a restart: " + String.join(", ", notApplied));
        return notApplied;
    }

    /** The bound admin port, or 0 when the admin API is off. */
    public int adminPort() {
        return admin == null ? 0 : admin.port();
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
            admin = null;
        }
        listeners.values().forEach(Listener::close);
        listeners.clear();
        orchestrators.values().forEach(FailoverOrchestrator::close);
        orchestrators.clear();
        monitors.forEach(Monitor::close);
        monitors.clear();
        engines.values().forEach(EngineSupport::close);
        blocking.shutdownNow();
        if (loops != null) {
            loops.close();
            loops = null;
        }
    }
}
