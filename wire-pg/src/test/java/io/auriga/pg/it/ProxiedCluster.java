package io.auriga.pg.it;

import io.auriga.config.AurigaConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.Engine;
import io.auriga.config.Secret;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.config.TokenConfig;
import io.auriga.config.TokenKeys;
import io.auriga.config.UserConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.auth.Tokens;
import io.auriga.core.testing.TestTransport;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import io.auriga.core.topology.Role;
import io.auriga.pg.engine.PgEngineSupport;
import io.auriga.sandbox.pg.PgSandbox;
import io.auriga.sandbox.pg.PgSandboxOptions;
import io.auriga.sandbox.pg.SandboxCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
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
 * integration tests of the module and stopped when they are done. Tests receive it as a parameter.
 */
public final class ProxiedCluster implements AutoCloseable {
    /** Short so the silent-client test does not wait long, with room for a loaded machine. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(5);
    /** A database role that logs in to the proxy with login tokens only; the proxy knows its password. */
    static final String TOKEN_USER = "token_app";
    static final String TOKEN_USER_PASSWORD = "token-db-secret";

    private final Path dir;
    private final PgSandbox sandbox;
    private final AurigaServer server;
    private final TlsFiles tls;
    private final PrivateKey tokenKey;

    private ProxiedCluster(Path dir, PgSandbox sandbox, AurigaServer server, TlsFiles tls, PrivateKey tokenKey) {
        this.dir = dir;
        this.sandbox = sandbox;
        this.server = server;
        this.tls = tls;
        this.tokenKey = tokenKey;
    }

    static ProxiedCluster start() throws IOException {
        return start(false);
    }

    /** @param selfHealing whether a fenced former primary is rejoined as a replica (as the demo does) */
    static ProxiedCluster start(boolean selfHealing) throws IOException {
        return start(selfHealing, UnaryOperator.identity());
    }

    /** @param adjust changes the sandbox's cluster configuration (durability, promotion tiers) */
    static ProxiedCluster start(boolean selfHealing, UnaryOperator<ClusterConfig> adjust) throws IOException {
        Path dir = Files.createTempDirectory("auriga-it-");
        // The servers run as the postgres user, which must be able to enter this directory.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        TlsFiles tls = CertificateAuthority.ensure(dir.resolve("tls"), List.of("localhost", "127.0.0.1"));
        PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(dir.resolve("pg")).replicas(2)
                .deleteOnClose(true).build()).start();
        try {
            try (Connection c = DriverManager.getConnection(sandbox.jdbcUrl(sandbox.primary(), sandbox.database()),
                    sandbox.adminUser(), sandbox.adminPassword()); var st = c.createStatement()) {
                st.execute("CREATE ROLE " + TOKEN_USER + " LOGIN PASSWORD '" + TOKEN_USER_PASSWORD + "'");
                st.execute("GRANT ALL ON SCHEMA public TO " + TOKEN_USER);
            } catch (SQLException e) {
                throw new IOException("cannot create the token user", e);
            }
            KeyPair tokenKeys = TokenKeys.generate();
            Path tokenPublicKey = dir.resolve("token.pub");
            Files.writeString(tokenPublicKey, TokenKeys.pem(tokenKeys.getPublic()));
            ClusterConfig cluster = adjust.apply(SandboxCluster.config(sandbox, "main", "127.0.0.1", 0, 0));
            ServerConfig d = ServerConfig.defaults();
            ServerConfig server = new ServerConfig("127.0.0.1", 2, TestTransport.configured(),
                    STARTUP_TIMEOUT, d.connectTimeout(), d.maxStartupPacket(), d.userCacheTtl());
            List<UserConfig> users = List.of(new UserConfig(TOKEN_USER, new Secret(TOKEN_USER_PASSWORD, "test"), null,
                    true));
            AurigaConfig config = new AurigaConfig(List.of(cluster), users, tls.toConfig(TlsConfig.TlsMode.OPTIONAL),
                    io.auriga.core.testing.SwitchoverRequests.admin(freePort()), server,
                    new TokenConfig(tokenPublicKey, tokenKeys.getPublic(), TokenConfig.DEFAULT_MAX_TTL));
            Clock clock = Clock.systemUTC();
            Map<String, io.auriga.core.failover.Rejoiner> rejoiners = selfHealing
                    ? Map.of("main", sandbox::rejoin) : Map.of();
            AurigaServer auriga = new AurigaServer(config, Map.of(Engine.POSTGRES, new PgEngineSupport(clock)), clock,
                    rejoiners);
            auriga.start();
            ProxiedCluster cluster1 = new ProxiedCluster(dir, sandbox, auriga, tls, tokenKeys.getPrivate());
            cluster1.awaitReplicasStreaming();
            return cluster1;
        } catch (IOException | RuntimeException e) {
            sandbox.close();
            throw e;
        }
    }

    /** A port nothing listens on now, for the admin API (port 0 would turn it off). */
    static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private void awaitReplicasStreaming() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            var t = server.topology("main").current();
            if (t.primary().isPresent() && t.replicas().size() == 2
                    && t.replicas().stream().allMatch(r -> r.lagMillis() >= 0)) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("topology never showed a primary and two healthy replicas: "
                + server.topology("main").current());
    }

    /** A login token for {@code user}, valid from {@code from} for {@code ttl}. */
    public String token(String user, Duration ttl, java.time.Instant from) {
        return Tokens.issue(tokenKey, user, ttl, from);
    }

    public PgSandbox sandbox() {
        return sandbox;
    }

    public AurigaServer server() {
        return server;
    }

    public int writerPort() {
        return server.port("main", "writer");
    }

    public int readerPort() {
        return server.port("main", "reader");
    }

    public Path caCert() {
        return tls.caCert();
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
        return server.topology("main").current().instance(name).map(i -> i.role() == Role.PRIMARY).orElse(false);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            sandbox.close();
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path path) {
        try (var walk = Files.walk(path)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory left behind is harmless.
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
            return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    // The root store closes AutoCloseable values when the whole run ends.
                    .computeIfAbsent(ProxiedCluster.class, k -> {
                        try {
                            return start();
                        } catch (IOException e) {
                            throw new IllegalStateException("cannot start the test cluster", e);
                        }
                    }, ProxiedCluster.class);
        }
    }
}
