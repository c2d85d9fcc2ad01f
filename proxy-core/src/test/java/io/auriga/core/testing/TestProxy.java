package io.auriga.core.testing;

import io.auriga.config.AurigaConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.Engine;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.config.TokenConfig;
import io.auriga.config.TokenKeys;
import io.auriga.config.UserConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.auth.Tokens;
import io.auriga.core.engine.EngineSupport;
import io.auriga.core.failover.Rejoiner;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import io.auriga.core.topology.Topology;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What every integration-test fixture of a proxied cluster shares, whatever the engine: a temporary
 * directory the database servers' OS user can enter, a fresh CA for TLS, a login-token key pair, and
 * an Auriga server over the fixture's clusters, waited for until each shows its primary and healthy
 * replicas. Closing it stops the server, then what the fixture handed over ({@link #owns}: its
 * sandbox), then deletes the directory.
 */
public final class TestProxy implements AutoCloseable {
    private final Path dir;
    private final TlsFiles tls;
    private final KeyPair tokenKeys;
    private final Path tokenPublicKey;
    private AutoCloseable owned = () -> { };
    private AurigaServer server;

    private TestProxy(Path dir, TlsFiles tls, KeyPair tokenKeys, Path tokenPublicKey) {
        this.dir = dir;
        this.tls = tls;
        this.tokenKeys = tokenKeys;
        this.tokenPublicKey = tokenPublicKey;
    }

    /** A new directory (named after {@code prefix}) with a CA for {@code localhost}/127.0.0.1 and token keys. */
    public static TestProxy prepare(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        // The servers run as their own OS user, which must be able to enter this directory.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        TlsFiles tls = CertificateAuthority.ensure(dir.resolve("tls"), List.of("localhost", "127.0.0.1"));
        KeyPair tokenKeys = TokenKeys.generate();
        Path tokenPublicKey = dir.resolve("token.pub");
        Files.writeString(tokenPublicKey, TokenKeys.pem(tokenKeys.getPublic()));
        return new TestProxy(dir, tls, tokenKeys, tokenPublicKey);
    }

    /** Closed after the server when this closes; the fixture's sandbox. */
    public void owns(AutoCloseable resource) {
        this.owned = resource;
    }

    public Path dir() {
        return dir;
    }

    public Path caCert() {
        return tls.caCert();
    }

    /** The server {@link #start} started; null before. */
    public AurigaServer server() {
        return server;
    }

    /**
     * Starts Auriga over {@code clusters}: TLS optional with this CA, the admin API on a free port with
     * the test token, login tokens checked against this key pair, two I/O threads.
     */
    public AurigaServer start(List<ClusterConfig> clusters, List<UserConfig> users, Duration startupTimeout,
                              Map<Engine, EngineSupport> engines, Clock clock, Map<String, Rejoiner> rejoiners)
            throws IOException {
        ServerConfig d = ServerConfig.defaults();
        ServerConfig serverConfig = new ServerConfig("127.0.0.1", 2, TestTransport.configured(), startupTimeout,
                d.connectTimeout(), d.maxStartupPacket(), d.userCacheTtl());
        AurigaConfig config = new AurigaConfig(clusters, users, tls.toConfig(TlsConfig.TlsMode.OPTIONAL),
                SwitchoverRequests.admin(freePort()), serverConfig,
                new TokenConfig(tokenPublicKey, tokenKeys.getPublic(), TokenConfig.DEFAULT_MAX_TTL));
        server = new AurigaServer(config, engines, clock, rejoiners);
        server.start();
        return server;
    }

    /** Waits until {@code cluster} shows a primary and {@code replicas} replicas with a known lag. */
    public void awaitReplicas(String cluster, int replicas, Duration timeout) throws Exception {
        boolean ready = Poll.poll(timeout, () -> {
            Topology t = server.topology(cluster).current();
            return t.primary().isPresent() && t.replicas().size() == replicas
                    && t.replicas().stream().allMatch(r -> r.lagMillis() >= 0);
        });
        if (!ready) {
            throw new IllegalStateException("topology never showed a primary and " + replicas
                    + " healthy replicas: " + server.topology(cluster).current());
        }
    }

    /** A login token for {@code user}, valid from {@code from} for {@code ttl}. */
    public String token(String user, Duration ttl, Instant from) {
        return Tokens.issue(tokenKeys.getPrivate(), user, ttl, from);
    }

    /** A loopback port nothing listens on now (for an admin API: port 0 would turn it off). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the sandbox failed", e);
            } finally {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // A temporary directory left behind is harmless.
                }
            }
        }
    }
}
