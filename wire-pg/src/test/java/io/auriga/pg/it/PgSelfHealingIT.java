package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.topology.Role;
import io.auriga.sandbox.pg.PgSandbox;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where Auriga manages the servers (the demo's sandbox), a former primary that comes back after
 * a failover is rewound and rejoined as a replica of the new primary, and returns to the reader pool.
 */
class PgSelfHealingIT {
    @RegisterExtension
    static final DedicatedFixture<ProxiedCluster> CLUSTER = ProxiedCluster.dedicated(true);
    private static ProxiedCluster cluster;

    @BeforeAll
    static void bind() {
        cluster = CLUSTER.get();
    }

    @Test
    void aKilledPrimaryComesBackAsAReplicaOfTheNewOne() throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        String oldPrimary = sandbox.primary().name();
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE healing_it (id int PRIMARY KEY)");
            st.execute("INSERT INTO healing_it VALUES (1)");
        }
        sandbox.kill(oldPrimary);
        FailoverChecks.writeUntilAccepted(cluster, "healing_it", 2, Duration.ofSeconds(30));

        sandbox.startInstance(oldPrimary);
        assertTrue(poll(Duration.ofSeconds(90), () -> cluster.server().topology("main").current()
                        .instance(oldPrimary).orElseThrow().role() == Role.REPLICA),
                "the former primary rejoined: " + cluster.server().topology("main").current());
        FailoverChecks.writeUntilAccepted(cluster, "healing_it", 3, Duration.ofSeconds(10));
        assertTrue(poll(Duration.ofSeconds(20), () -> {
            try (Connection c = java.sql.DriverManager.getConnection(sandbox.jdbcUrl(sandbox.instance(oldPrimary),
                    sandbox.database()), sandbox.adminUser(), sandbox.adminPassword());
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), EXISTS (SELECT 1 FROM healing_it WHERE id = 3)")) {
                rs.next();
                return rs.getBoolean(1) && rs.getBoolean(2);
            } catch (java.sql.SQLException e) {
                return false;
            }
        }), "the rejoined instance replays what the new primary writes");
        assertEquals(2, cluster.server().topology("main").current().replicas().size(),
                "both replicas serve the reader endpoint again");
    }
}
