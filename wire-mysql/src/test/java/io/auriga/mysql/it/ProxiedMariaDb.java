package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.MySqlOptions;
import io.auriga.config.Secret;
import io.auriga.config.ServerConfig;
import io.auriga.config.UserConfig;
import io.auriga.core.failover.Rejoiner;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.testing.ProxiedFixture;
import io.auriga.core.testing.TestProxy;
import io.auriga.mysql.engine.MariaDbEngineSupport;
import io.auriga.sandbox.mariadb.MariaDbBinaries;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import io.auriga.sandbox.mariadb.MariaDbSandboxCluster;
import io.auriga.sandbox.mariadb.MariaDbSandboxOptions;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real MariaDB primary with two GTID replicas and an Auriga server in front of it (writer and
 * reader endpoints on free ports, TLS optional with a fresh CA, one config user), started once for
 * all integration tests of the module and stopped when they are done. Tests receive it as a parameter.
 *
 * <p>The shared cluster also has a second Auriga cluster, {@value #STRICT}, over the same servers
 * with the non-default MySQL options: the handshake names {@code caching_sha2_password} and
 * {@code LOAD DATA LOCAL INFILE} is refused, and no backend connection is kept for reuse.
 */
public final class ProxiedMariaDb implements ProxiedFixture {
    /** Short so the silent-client test does not wait long, with room for a loaded machine. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(5);
    /** A user known only to the proxy's config; the database has the same account for backend logins. */
    static final String CONFIG_USER = "cfg_user";
    static final String CONFIG_PASSWORD = "cfg-secret";
    /** An account that logs in to the proxy with login tokens only; the proxy knows its password. */
    static final String TOKEN_USER = "token_app";
    static final String TOKEN_USER_PASSWORD = "token-db-secret";
    /** The second cluster's name: caching_sha2_password greeting, no LOCAL INFILE, no kept backend connections. */
    static final String STRICT = "strict";

    private final TestProxy proxy;
    private final MariaDbSandbox sandbox;
    private final MariaDbEngineSupport engine;

    private ProxiedMariaDb(TestProxy proxy, MariaDbSandbox sandbox, MariaDbEngineSupport engine) {
        this.proxy = proxy;
        this.sandbox = sandbox;
        this.engine = engine;
    }

    static ProxiedMariaDb start() throws Exception {
        // No automatic failover: MariaDB failover operations are tested elsewhere.
        return start(new FailoverConfig(false, Duration.ofMillis(500), 3, Duration.ofSeconds(2),
                Duration.ofSeconds(10)), false, STARTUP_TIMEOUT, true, UnaryOperator.identity());
    }

    /** A cluster of its own with {@code failover} settings, for tests that break it. */
    static ProxiedMariaDb start(FailoverConfig failover) throws Exception {
        return start(failover, false);
    }

    /**
     * A cluster of its own, whose clients get the default startup timeout: the first logins to a proxy
     * that has just started (reading the users, warming the connection pools) may take more than the
     * short {@link #STARTUP_TIMEOUT} on a busy machine, and these tests do not time silent clients.
     */
    static ProxiedMariaDb start(FailoverConfig failover, boolean selfHealing) throws Exception {
        return start(failover, selfHealing, UnaryOperator.identity());
    }

    /** As above; {@code adjust} changes the cluster configuration (its endpoints, say). */
    static ProxiedMariaDb start(FailoverConfig failover, boolean selfHealing, UnaryOperator<ClusterConfig> adjust)
            throws Exception {
        return start(failover, selfHealing, ServerConfig.defaults().startupTimeout(), false, adjust);
    }

    /**
     * @param selfHealing whether a fenced former primary is rejoined as a replica of the new one by the
     *                    sandbox (as {@code auriga demo} does); otherwise it stays fenced
     * @param withStrict  whether to add the {@value #STRICT} cluster over the same servers
     */
    private static ProxiedMariaDb start(FailoverConfig failover, boolean selfHealing, Duration startupTimeout,
                                        boolean withStrict, UnaryOperator<ClusterConfig> adjust)
            throws Exception {
        TestProxy proxy = TestProxy.prepare("auriga-my-it-");
        try {
            MariaDbSandbox sandbox = new MariaDbSandbox(MariaDbSandboxOptions.in(proxy.dir().resolve("my"))
                    .withReplicas(2).withDeleteOnClose(true)).start();
            proxy.owns(sandbox);
            try (Connection c = DriverManager.getConnection(sandbox.jdbcUrl(sandbox.primary(), ""),
                    sandbox.adminUser(), sandbox.adminPassword()); var st = c.createStatement()) {
                st.execute("CREATE USER IF NOT EXISTS " + CONFIG_USER + "@'%' IDENTIFIED BY '" + CONFIG_PASSWORD + "'");
                st.execute("GRANT ALL ON " + sandbox.database() + ".* TO " + CONFIG_USER + "@'%'");
                st.execute("CREATE USER IF NOT EXISTS " + TOKEN_USER + "@'%' IDENTIFIED BY '" + TOKEN_USER_PASSWORD
                        + "'");
                st.execute("GRANT ALL ON " + sandbox.database() + ".* TO " + TOKEN_USER + "@'%'");
            }
            for (MariaDbSandbox.Instance instance : sandbox.instances()) {
                // Room for values larger than one 16 MiB packet.
                try (Connection c = DriverManager.getConnection(sandbox.jdbcUrl(instance, ""), sandbox.adminUser(),
                        sandbox.adminPassword()); var st = c.createStatement()) {
                    st.execute("SET GLOBAL max_allowed_packet = 134217728");
                }
            }
            List<ClusterConfig> clusters = new java.util.ArrayList<>();
            clusters.add(adjust.apply(MariaDbSandboxCluster.config(sandbox, "main", "127.0.0.1", 0, 0, failover)));
            if (withStrict) {
                clusters.add(MariaDbSandboxCluster.config(sandbox, STRICT, "127.0.0.1", 0, 0, failover)
                        .withMySql(MySqlOptions.DEFAULTS.withLocalInfile(false)
                                .withAuthPlugin(MySqlOptions.AuthPlugin.CACHING_SHA2_PASSWORD).withPoolSize(0)));
            }
            List<UserConfig> users = List.of(new UserConfig(CONFIG_USER, new Secret(CONFIG_PASSWORD, "test"), null,
                    false), new UserConfig(TOKEN_USER, new Secret(TOKEN_USER_PASSWORD, "test"), null, true));
            Clock clock = Clock.systemUTC();
            MariaDbEngineSupport engine = new MariaDbEngineSupport(clock);
            Map<String, Rejoiner> rejoiners = selfHealing ? Map.of("main", sandbox::rejoin) : Map.of();
            proxy.start(clusters, users, startupTimeout, Map.of(Engine.MYSQL, engine), clock,
                    rejoiners);
            for (ClusterConfig cluster : clusters) {
                proxy.awaitReplicas(cluster.name(), 2, Duration.ofSeconds(30));
            }
            return new ProxiedMariaDb(proxy, sandbox, engine);
        } catch (Exception e) {
            proxy.close();
            throw e;
        }
    }

    /** A cluster of one test class's own with {@code failover} settings, for tests that break it. */
    static DedicatedFixture<ProxiedMariaDb> dedicated(FailoverConfig failover) {
        return dedicated(failover, false);
    }

    /** @param selfHealing whether the sandbox rejoins a fenced former primary (see {@link #start}) */
    static DedicatedFixture<ProxiedMariaDb> dedicated(FailoverConfig failover, boolean selfHealing) {
        return dedicated(failover, selfHealing, UnaryOperator.identity());
    }

    /** @param adjust changes the cluster configuration (its endpoints, say) */
    static DedicatedFixture<ProxiedMariaDb> dedicated(FailoverConfig failover, boolean selfHealing,
                                                      UnaryOperator<ClusterConfig> adjust) {
        return new DedicatedFixture<>(() -> {
            assumeTrue(MariaDbBinaries.find().isPresent(), "no MariaDB server binaries on this machine");
            return start(failover, selfHealing, adjust);
        }, cluster -> cluster.sandbox().instances().forEach(i -> cluster.sandbox().resume(i.name())));
    }

    /** A loopback port free now, for the admin API (port 0 would turn it off). */
    static int freePort() throws IOException {
        return TestProxy.freePort();
    }

    @Override
    public TestProxy proxy() {
        return proxy;
    }

    public MariaDbSandbox sandbox() {
        return sandbox;
    }

    /** The writer endpoint of the {@value #STRICT} cluster (only on the shared cluster). */
    public int strictWriterPort() {
        return server().port(STRICT, "writer");
    }

    /** The MySQL engine support serving the endpoints, for what it counts (caching_sha2_password paths). */
    public MariaDbEngineSupport engine() {
        return engine;
    }

    /** A MariaDB Connector/J URL for an endpoint. */
    public String mariadbUrl(int port, String extra) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + sandbox.database() + (extra.isEmpty() ? "" : "?" + extra);
    }

    /** A MySQL Connector/J URL for an endpoint. */
    public String mysqlUrl(int port, String extra) {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + sandbox.database() + (extra.isEmpty() ? "" : "?" + extra);
    }

    /** MariaDB Connector/J through {@code port} as the sandbox's application user. */
    public Connection mariadb(int port, String extra) throws SQLException {
        return DriverManager.getConnection(mariadbUrl(port, extra), credentials());
    }

    /** MySQL Connector/J through {@code port} as the sandbox's application user, default auth settings. */
    public Connection mysql(int port, String extra) throws SQLException {
        return DriverManager.getConnection(mysqlUrl(port, extra), credentials());
    }

    public Properties credentials() {
        Properties p = new Properties();
        p.setProperty("user", sandbox.user());
        p.setProperty("password", sandbox.password());
        p.setProperty("connectTimeout", "10000");
        return p;
    }

    /** A direct admin connection to an instance, bypassing the proxy, for checking what happened. */
    public Connection admin(MariaDbSandbox.Instance instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(instance, ""), sandbox.adminUser(), sandbox.adminPassword());
    }

    public List<Long> replicaServerIds() throws SQLException {
        List<Long> ids = new java.util.ArrayList<>();
        for (MariaDbSandbox.Instance replica : sandbox.replicas()) {
            try (Connection c = admin(replica); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT @@server_id")) {
                rs.next();
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Resolves a {@link ProxiedMariaDb} parameter to the one shared cluster, started on first use. */
    public static final class Extension implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == ProxiedMariaDb.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            assumeTrue(MariaDbBinaries.find().isPresent(), "no MariaDB server binaries on this machine");
            return DedicatedFixture.shared(context, ProxiedMariaDb.class, ProxiedMariaDb::start);
        }
    }
}
