package io.auriga.pg.it;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Engine;
import io.auriga.config.Secret;
import io.auriga.config.UserConfig;
import io.auriga.core.failover.Rejoiner;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.testing.ProxiedFixture;
import io.auriga.core.testing.TestProxy;
import io.auriga.core.topology.Role;
import io.auriga.pg.engine.PgEngineSupport;
import io.auriga.sandbox.pg.PgSandbox;
import io.auriga.sandbox.pg.PgSandboxOptions;
import io.auriga.sandbox.pg.SandboxCluster;
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
 * A real PostgreSQL primary with two streaming replicas and an Auriga server in front of it
 * (writer and reader endpoints on free ports, TLS optional with a fresh CA), started once for all
 * integration tests of the module and stopped when they are done. Tests receive it as a parameter;
 * a test class that breaks its cluster gets one of its own ({@link #dedicated}).
 */
public final class ProxiedCluster implements ProxiedFixture {
    /** Short so the silent-client test does not wait long, with room for a loaded machine. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(5);
    /** A database role that logs in to the proxy with login tokens only; the proxy knows its password. */
    static final String TOKEN_USER = "token_app";
    static final String TOKEN_USER_PASSWORD = "token-db-secret";

    private final TestProxy proxy;
    private final PgSandbox sandbox;

    private ProxiedCluster(TestProxy proxy, PgSandbox sandbox) {
        this.proxy = proxy;
        this.sandbox = sandbox;
    }

    static ProxiedCluster start() throws Exception {
        return start(false);
    }

    /** @param selfHealing whether a fenced former primary is rejoined as a replica (as the demo does) */
    static ProxiedCluster start(boolean selfHealing) throws Exception {
        return start(selfHealing, UnaryOperator.identity());
    }

    /** @param adjust changes the sandbox's cluster configuration (durability, promotion tiers) */
    static ProxiedCluster start(boolean selfHealing, UnaryOperator<ClusterConfig> adjust) throws Exception {
        TestProxy proxy = TestProxy.prepare("auriga-it-");
        try {
            PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(proxy.dir().resolve("pg")).replicas(2)
                    .deleteOnClose(true).build()).start();
            proxy.owns(sandbox);
            try (Connection c = DriverManager.getConnection(sandbox.jdbcUrl(sandbox.primary(), sandbox.database()),
                    sandbox.adminUser(), sandbox.adminPassword()); var st = c.createStatement()) {
                st.execute("CREATE ROLE " + TOKEN_USER + " LOGIN PASSWORD '" + TOKEN_USER_PASSWORD + "'");
                st.execute("GRANT ALL ON SCHEMA public TO " + TOKEN_USER);
            }
            ClusterConfig cluster = adjust.apply(SandboxCluster.config(sandbox, "main", "127.0.0.1", 0, 0));
            List<UserConfig> users = List.of(new UserConfig(TOKEN_USER, new Secret(TOKEN_USER_PASSWORD, "test"), null,
                    true));
            Clock clock = Clock.systemUTC();
            Map<String, Rejoiner> rejoiners = selfHealing ? Map.of("main", sandbox::rejoin) : Map.of();
            proxy.start(List.of(cluster), users, STARTUP_TIMEOUT,
                    Map.of(Engine.POSTGRES, new PgEngineSupport(clock)), clock, rejoiners);
            proxy.awaitReplicas("main", 2, Duration.ofSeconds(20));
            return new ProxiedCluster(proxy, sandbox);
        } catch (Exception e) {
            proxy.close();
            throw e;
        }
    }

    /** A cluster of one test class's own (see {@link DedicatedFixture}). */
    static DedicatedFixture<ProxiedCluster> dedicated(boolean selfHealing) {
        return dedicated(selfHealing, UnaryOperator.identity());
    }

    /** @param adjust changes the cluster configuration (durability, promotion tiers) */
    static DedicatedFixture<ProxiedCluster> dedicated(boolean selfHealing, UnaryOperator<ClusterConfig> adjust) {
        // Processes paused by a test must run again to be stopped cleanly.
        return new DedicatedFixture<>(() -> start(selfHealing, adjust),
                cluster -> cluster.sandbox().instances().forEach(i -> cluster.sandbox().resume(i.name())));
    }

    /** A port nothing listens on now, for the admin API (port 0 would turn it off). */
    static int freePort() throws IOException {
        return TestProxy.freePort();
    }

    @Override
    public TestProxy proxy() {
        return proxy;
    }

    public PgSandbox sandbox() {
        return sandbox;
    }

    public String url(int port, String extra) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + sandbox.database() + "?sslmode=disable"
                + (extra.isEmpty() ? "" : "&" + extra);
    }

    public Connection writer() throws SQLException {
        return connect(writerPort(), "");
    }

    public Connection reader() throws SQLException {
        return connect(readerPort(), "");
    }

    public Connection connect(int port, String extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", sandbox.user());
        p.setProperty("password", sandbox.password());
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "120");
        return DriverManager.getConnection(url(port, extra), p);
    }

    /** A direct admin connection to an instance, bypassing the proxy, for checking what happened. */
    public Connection admin(PgSandbox.Instance instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(instance, "postgres"), sandbox.adminUser(),
                sandbox.adminPassword());
    }

    public List<Integer> replicaPorts() {
        return sandbox.replicas().stream().map(PgSandbox.Instance::port).toList();
    }

    boolean isPrimaryRole(String name) {
        return server().topology("main").current().instance(name).map(i -> i.role() == Role.PRIMARY).orElse(false);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Resolves a {@link ProxiedCluster} parameter to the one shared cluster, started on first use. */
    public static final class Extension implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == ProxiedCluster.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return DedicatedFixture.shared(context, ProxiedCluster.class, ProxiedCluster::start);
        }
    }
}
