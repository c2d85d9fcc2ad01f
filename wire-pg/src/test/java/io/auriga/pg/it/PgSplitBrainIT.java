package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.admin.TopologyJson;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.topology.Role;
import io.auriga.sandbox.pg.PgSandbox;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two primaries at once: a replica is promoted by hand ({@code SELECT pg_promote(false)} on its own port)
 * while the primary stays up and writes flow through the writer endpoint. The primary of the current
 * epoch keeps every write; the hand-promoted instance is fenced (shown {@code fenced}, never routed
 * to, made read-only) and no write lands on it.
 */
class PgSplitBrainIT {
    @RegisterExtension
    static final DedicatedFixture<ProxiedCluster> CLUSTER = ProxiedCluster.dedicated(false);
    private static ProxiedCluster cluster;

    @BeforeAll
    static void bind() {
        cluster = CLUSTER.get();
    }

    @Test
    void aReplicaPromotedByHandIsFencedAndGetsNoWrite() throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        PgSandbox.Instance pg1 = sandbox.instance("pg1");
        PgSandbox.Instance pg2 = sandbox.instance("pg2");
        long epoch = cluster.server().topology("main").current().epoch();
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE split_it (id bigint PRIMARY KEY)");
        }
        int ackedAfterPromotion;
        try (WriteLoad load = new WriteLoad(cluster, "split_it")) {
            assertTrue(load.awaitMore(100, 20_000), "writes flow before the promotion");
            try (Connection c = cluster.admin(pg2); Statement st = c.createStatement()) {
                // Without waiting: the proxy fences pg2 as soon as it sees a second primary and ends its
                // sessions, this one too if it were still waiting for the promotion to finish.
                st.execute("SELECT pg_promote(false)");
            }
            int ackedAtPromotion = load.ackedCount();
            assertTrue(poll(Duration.ofSeconds(10), () -> role("pg2") == Role.FENCED),
                    "the hand-promoted instance is fenced: " + cluster.server().topology("main").current());
            assertTrue(poll(Duration.ofSeconds(30), () -> FailoverChecks.readOnly(cluster, pg2)),
                    "the hand-promoted instance was made read-only");
            assertTrue(load.awaitMore(100, 20_000), "writes go on through the writer endpoint");
            load.close();
            ackedAfterPromotion = load.ackedCount() - ackedAtPromotion;
        }
        assertTrue(ackedAfterPromotion >= 100, "writes acknowledged after the promotion: " + ackedAfterPromotion);
        assertEquals("pg1", cluster.server().topology("main").current().primary().orElseThrow().name());
        assertEquals(epoch, cluster.server().topology("main").current().epoch(), "no new epoch: pg1 stayed primary");

        Set<Long> onPrimary = ids(pg1);
        Set<Long> onlyOnPromoted = ids(pg2);
        onlyOnPromoted.removeAll(onPrimary);
        assertEquals(Set.of(), onlyOnPromoted, "rows written to the hand-promoted instance");
        try (Connection c = cluster.admin(pg2); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            assertTrue(!rs.getBoolean(1), "pg2 really is a second primary, not a replica any more");
        }
        assertEquals("fenced", adminRole("pg2"), "/topology shows it fenced");
        try (Connection c = cluster.writer(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
            rs.next();
            assertEquals(pg1.port(), rs.getInt(1), "new writer sessions reach pg1");
        }
    }

    private static Role role(String name) {
        return cluster.server().topology("main").current().instance(name).orElseThrow().role();
    }

    /** The role in the {@code /topology} document the admin API serves (its listener is off in these tests). */
    private static String adminRole(String name) throws Exception {
        String json = TopologyJson.toJson(cluster.server().topologies());
        return TopologyJson.parse(json).clusters().get(0).instances().stream()
                .filter(i -> i.name().equals(name)).findFirst().orElseThrow().role();
    }

    private static Set<Long> ids(PgSandbox.Instance instance) throws SQLException {
        PgSandbox sandbox = cluster.sandbox();
        try (Connection c = DriverManager.getConnection(sandbox.jdbcUrl(instance, sandbox.database()),
                sandbox.adminUser(), sandbox.adminPassword());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM split_it")) {
            Set<Long> ids = new HashSet<>();
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
            return ids;
        }
    }
}
