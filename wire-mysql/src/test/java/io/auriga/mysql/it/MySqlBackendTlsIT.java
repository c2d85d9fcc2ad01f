package io.auriga.mysql.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.BackendTlsConfig.Mode;
import io.auriga.config.BackendTlsConfig;
import io.auriga.config.FailoverConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.testing.ExtraProxy;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.topology.Role;
import io.auriga.mysql.engine.MariaDbEngineSupport;
import io.auriga.sandbox.mariadb.MariaDbSandboxCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS between the proxy and MariaDB ({@code clusters[].tls}): an account created {@code REQUIRE SSL}
 * logs in through a proxy that reaches the instances over TLS, and only through such a proxy.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlBackendTlsIT {
    private static final String TLS_USER = "tls_only";
    private static final String TLS_PASSWORD = "tls-only-secret";
    private static final Duration TOPOLOGY_WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @BeforeAll
    static void createAccountThatRequiresTls(ProxiedMariaDb cluster) throws SQLException {
        try (Connection c = cluster.admin(cluster.sandbox().primary()); Statement st = c.createStatement()) {
            st.execute("CREATE USER IF NOT EXISTS " + TLS_USER + "@'%' IDENTIFIED BY '" + TLS_PASSWORD
                    + "' REQUIRE SSL");
            st.execute("GRANT SELECT ON " + cluster.sandbox().database() + ".* TO " + TLS_USER + "@'%'");
        }
    }

    @Test
    void anAccountThatRequiresTlsLogsInOverRequireAndVerifyFull(ProxiedMariaDb cluster) throws Exception {
        for (BackendTlsConfig tls : List.of(new BackendTlsConfig(Mode.REQUIRE, null),
                new BackendTlsConfig(Mode.VERIFY_FULL, cluster.sandbox().caCert()))) {
            try (AurigaServer proxy = start(cluster, tls)) {
                awaitPrimary(proxy);
                for (String endpoint : List.of("writer", "reader")) {
                    try (Connection c = tlsUser(cluster, proxy.port("main", endpoint)); Statement st = c.createStatement()) {
                        assertFalse(cipher(st).isEmpty(), tls.mode() + ": the " + endpoint + "'s backend link is TLS");
                    }
                }
                try (Connection c = cluster.mariadb(proxy.port("main", "writer"), "");
                     Statement st = c.createStatement()) {
                    assertFalse(cipher(st).isEmpty(), "every account's backend link is TLS");
                }
            }
        }
    }

    @Test
    void withoutTlsTheServerRefusesThatAccount(ProxiedMariaDb cluster) throws SQLException {
        SQLException e = assertThrows(SQLException.class, () -> tlsUser(cluster, cluster.writerPort()).close());
        assertEquals(1045, e.getErrorCode(), e.getMessage());
        try (Connection c = cluster.mariadb(cluster.writerPort(), ""); Statement st = c.createStatement()) {
            assertTrue(cipher(st).isEmpty(), "a cluster without tls reaches its instances in plain text");
        }
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRefused(ProxiedMariaDb cluster) throws Exception {
        Path otherCa = CertificateAuthority.ensure(dir.resolve("other"), List.of("localhost", "127.0.0.1")).caCert();
        try (AurigaServer proxy = start(cluster, new BackendTlsConfig(Mode.VERIFY_FULL, otherCa))) {
            assertTrue(poll(TOPOLOGY_WAIT, () -> proxy.topology("main").current().instances().stream()
                            .allMatch(i -> i.role() != Role.PRIMARY && i.role() != Role.REPLICA && i.error() != null)),
                    () -> "no instance is usable: " + proxy.topology("main").current());
            assertThrows(SQLException.class, () -> cluster.mariadb(proxy.port("main", "writer"), "").close());
        }
    }

    private static AurigaServer start(ProxiedMariaDb cluster, BackendTlsConfig tls) throws Exception {
        return ExtraProxy.start(MariaDbSandboxCluster.config(cluster.sandbox(), "main", "127.0.0.1", 0, 0,
                FailoverConfig.defaults()).withTls(tls), new MariaDbEngineSupport(Clock.systemUTC()));
    }

    private static void awaitPrimary(AurigaServer proxy) throws Exception {
        assertTrue(poll(TOPOLOGY_WAIT, () -> proxy.topology("main").current().primary().isPresent()
                        && proxy.topology("main").current().replicas().size() == 2),
                () -> "the monitor sees the primary and both replicas over TLS: " + proxy.topology("main").current());
    }

    private static Connection tlsUser(ProxiedMariaDb cluster, int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", TLS_USER);
        p.setProperty("password", TLS_PASSWORD);
        p.setProperty("connectTimeout", "10000");
        return DriverManager.getConnection(cluster.mariadbUrl(port, ""), p);
    }

    /** The cipher of the session's own link to the server; empty in plain text. */
    private static String cipher(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
            assertTrue(rs.next());
            return rs.getString(2);
        }
    }
}
