package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.BackendTlsConfig.Mode;
import io.auriga.config.BackendTlsConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.testing.ExtraProxy;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.pg.engine.PgEngineSupport;
import io.auriga.sandbox.pg.SandboxCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

/**
 * TLS between the proxy and the instances ({@code clusters[].tls}): the sandbox's servers accept TLS
 * with a certificate from the sandbox's authority; a second proxy in front of them is configured
 * with {@code tls} and checked from the servers' side ({@code pg_stat_ssl}).
 */
@ExtendWith(ProxiedCluster.Extension.class)
class PgBackendTlsIT {
    private static final Duration TOPOLOGY_WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void verifyFullEncryptsTheRelayAndTheMonitor(ProxiedCluster cluster) throws Exception {
        BackendTlsConfig tls = new BackendTlsConfig(Mode.VERIFY_FULL, cluster.sandbox().caCert());
        try (AurigaServer proxy = start(cluster, tls)) {
            awaitPrimary(proxy);
            int writer = proxy.port("main", "writer");
            int reader = proxy.port("main", "reader");
            try (Connection c = cluster.connect(writer, ""); Statement st = c.createStatement()) {
                assertTrue(sessionIsEncrypted(st), "the writer's backend connection is TLS");
                assertFalse(recovering(st));
            }
            try (Connection c = cluster.connect(reader, ""); Statement st = c.createStatement()) {
                assertTrue(sessionIsEncrypted(st), "the reader's backend connection is TLS");
                assertTrue(recovering(st));
            }
            try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
                         + " WHERE a.application_name = 'auriga-control' AND s.ssl")) {
                rs.next();
                assertTrue(rs.getInt(1) > 0, "the monitor's connections are TLS too");
            }
        }
    }

    @Test
    void requireEncryptsWithoutVerifying(ProxiedCluster cluster) throws Exception {
        try (AurigaServer proxy = start(cluster, new BackendTlsConfig(Mode.REQUIRE, null))) {
            awaitPrimary(proxy);
            try (Connection c = cluster.connect(proxy.port("main", "writer"), ""); Statement st = c.createStatement()) {
                assertTrue(sessionIsEncrypted(st));
            }
        }
    }

    @Test
    void theDefaultStaysPlain(ProxiedCluster cluster) throws SQLException {
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            assertFalse(sessionIsEncrypted(st), "a cluster without tls reaches its instances in plain text");
        }
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRefused(ProxiedCluster cluster) throws Exception {
        Path otherCa = CertificateAuthority.ensure(dir.resolve("other"), List.of("localhost", "127.0.0.1")).caCert();
        try (AurigaServer proxy = start(cluster, new BackendTlsConfig(Mode.VERIFY_FULL, otherCa))) {
            assertTrue(poll(TOPOLOGY_WAIT, () -> proxy.topology("main").current().instances().stream()
                    .allMatch(i -> i.role() != Role.PRIMARY && i.role() != Role.REPLICA && i.error() != null)),
                    () -> "no instance is usable: "
                    + proxy.topology("main").current());
            InstanceState pg1 = proxy.topology("main").current().instance("pg1").orElseThrow();
            assertTrue(pg1.error().contains("SSL") || pg1.error().contains("certificate"), pg1.error());
            PSQLException e = org.junit.jupiter.api.Assertions.assertThrows(PSQLException.class,
                    () -> cluster.connect(proxy.port("main", "writer"), "").close());
            assertNotNull(e.getSQLState());
        }
    }

    private static AurigaServer start(ProxiedCluster cluster, BackendTlsConfig tls) throws Exception {
        return ExtraProxy.start(SandboxCluster.config(cluster.sandbox(), "main", "127.0.0.1", 0, 0).withTls(tls),
                new PgEngineSupport(Clock.systemUTC()));
    }

    private static void awaitPrimary(AurigaServer proxy) throws Exception {
        assertTrue(poll(TOPOLOGY_WAIT, () -> proxy.topology("main").current().primary().isPresent()
                        && proxy.topology("main").current().replicas().size() == 2),
                () -> "the monitor sees the primary and both replicas over TLS: " + proxy.topology("main").current());
    }

    private static boolean sessionIsEncrypted(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertTrue(rs.next());
            return rs.getBoolean(1);
        }
    }

    private static boolean recovering(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
