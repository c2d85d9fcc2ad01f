package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Durability;
import io.auriga.config.InstanceConfig;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.topology.Role;
import io.auriga.sandbox.pg.PgSandbox;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code durability: quorum} on real servers: the primary waits for one of its replicas
 * ({@code synchronous_standby_names = 'ANY 1 (...)'}), and a failover under a write load loses no
 * acknowledged commit, even when the replica with the preferred promotion tier is behind: pg2 (tier 0)
 * stops streaming before the primary is killed, so only pg3 (tier 1) holds the last commits.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgQuorumIT {
    @RegisterExtension
    static final DedicatedFixture<ProxiedCluster> CLUSTER = ProxiedCluster.dedicated(false, PgQuorumIT::quorumWithPg3LastTier);
    private static ProxiedCluster cluster;

    @BeforeAll
    static void bind() {
        cluster = CLUSTER.get();
    }

    private static ClusterConfig quorumWithPg3LastTier(ClusterConfig c) {
        List<InstanceConfig> instances = c.instances().stream()
                .map(i -> new InstanceConfig(i.name(), i.host(), i.port(), i.name().equals("pg3") ? 1 : 0, false))
                .toList();
        return new ClusterConfig(c.name(), c.engine(), instances, c.adminCredentials(), c.endpoints(), c.failover(),
                Durability.QUORUM);
    }

    @Test
    @Order(1)
    void thePrimaryWaitsForAnyOneOfItsReplicas() throws Exception {
        PgSandbox.Instance primary = cluster.sandbox().primary();
        assertTrue(poll(Duration.ofSeconds(20),
                        () -> "ANY 1 (\"pg2\", \"pg3\")".equals(synchronousStandbyNames(primary))),
                "synchronous_standby_names on pg1: " + synchronousStandbyNames(primary));
        assertTrue(poll(Duration.ofSeconds(20),
                () -> quorumStandbys(primary).equals(Set.of("pg2", "pg3"))),
                "pg_stat_replication on pg1 shows both replicas in the quorum: " + quorumStandbys(primary));
    }

    @Test
    @Order(2)
    void aSettingChangedByHandIsPutBack() throws Exception {
        PgSandbox.Instance primary = cluster.sandbox().primary();
        try (Connection c = cluster.admin(primary); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET synchronous_standby_names = ''");
            st.execute("SELECT pg_reload_conf()");
        }
        assertTrue(poll(Duration.ofSeconds(5), () -> "".equals(synchronousStandbyNames(primary))),
                "the primary went asynchronous: " + synchronousStandbyNames(primary));
        assertTrue(poll(Duration.ofSeconds(30),
                        () -> "ANY 1 (\"pg2\", \"pg3\")".equals(synchronousStandbyNames(primary))),
                "the proxy's periodic check put the quorum back: " + synchronousStandbyNames(primary));
    }

    @Test
    @Order(3)
    void noAcknowledgedCommitIsLostWhenThePrimaryIsKilledUnderLoad() throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE quorum_it (id bigint PRIMARY KEY)");
        }
        // pg2 stops receiving WAL: from now on only pg3 acknowledges, and the promotion tier prefers pg2.
        try (Connection c = cluster.admin(sandbox.instance("pg2")); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET primary_conninfo = ''");
            st.execute("SELECT pg_reload_conf()");
        }
        assertTrue(poll(Duration.ofSeconds(20),
                () -> standbys(sandbox.primary(), "true").equals(Set.of("pg3"))), "pg2 stopped streaming");

        Set<Long> acked;
        try (WriteLoad load = new WriteLoad(cluster, "quorum_it")) {
            assertTrue(load.awaitMore(200, 20_000), "writes are acknowledged with pg3 alone in the quorum");
            sandbox.kill("pg1");
            assertTrue(load.awaitMore(50, 60_000), "writes resume after the failover: "
                    + cluster.server().topology("main").current());
            load.close();
            acked = load.acked();
            System.out.println("quorum failover: " + acked.size() + " INSERTs acknowledged, " + load.errors()
                    + " errors");
        }

        var topology = cluster.server().topology("main").current();
        assertEquals("pg3", topology.primary().orElseThrow().name(),
                "the replica holding every acknowledged commit is promoted, not the preferred tier: " + topology);
        assertEquals(Role.FENCED, topology.instance("pg1").orElseThrow().role());
        Set<Long> present = ids(sandbox.instance("pg3"));
        Set<Long> lost = new HashSet<>(acked);
        lost.removeAll(present);
        assertEquals(Set.of(), lost, "acknowledged ids missing on the new primary (of " + acked.size() + ")");

        PgSandbox.Instance pg3 = sandbox.instance("pg3");
        assertTrue(poll(Duration.ofSeconds(20),
                        () -> "ANY 1 (\"pg1\", \"pg2\")".equals(synchronousStandbyNames(pg3))),
                "the new primary waits for the remaining replica (and the former primary once it rejoins): "
                        + synchronousStandbyNames(pg3));
        assertTrue(poll(Duration.ofSeconds(30), () -> quorumStandbys(pg3).equals(Set.of("pg2"))),
                "pg2, repointed to pg3, acknowledges its commits: " + quorumStandbys(pg3));
    }

    private static String synchronousStandbyNames(PgSandbox.Instance instance) {
        try (Connection c = cluster.admin(instance); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW synchronous_standby_names")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** The standbys the primary counts in its quorum, by application_name. */
    private static Set<String> quorumStandbys(PgSandbox.Instance primary) {
        return standbys(primary, "sync_state = 'quorum'");
    }

    /** The streaming standbys of {@code primary} that match {@code condition}, by application_name. */
    private static Set<String> standbys(PgSandbox.Instance primary, String condition) {
        try (Connection c = cluster.admin(primary); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT application_name FROM pg_stat_replication "
                     + "WHERE state = 'streaming' AND " + condition)) {
            Set<String> names = new HashSet<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        } catch (SQLException e) {
            return Set.of();
        }
    }

    private static Set<Long> ids(PgSandbox.Instance instance) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(cluster.sandbox().jdbcUrl(instance,
                        cluster.sandbox().database()), cluster.sandbox().adminUser(), cluster.sandbox().adminPassword());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM quorum_it")) {
            Set<Long> ids = new HashSet<>();
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
            return ids;
        }
    }
}
