package io.auriga.mysql.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.admin.TopologyJson;
import io.auriga.core.topology.InstanceState;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A replica whose replication stopped on an error (here a row written on it directly, which the
 * primary's next insert then collides with) serves no reads until its replication runs again, and
 * {@code /topology} says why.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlReplicationErrorIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aReplicaStoppedOnAnErrorLeavesTheReaderUntilItReplicatesAgain(ProxiedMariaDb cluster) throws Exception {
        MariaDbSandbox sandbox = cluster.sandbox();
        MariaDbSandbox.Instance broken = sandbox.replicas().get(0);
        MariaDbSandbox.Instance healthy = sandbox.replicas().get(1);
        String table = sandbox.database() + ".replication_error_it";
        try (Connection primary = cluster.admin(sandbox.primary()); Statement p = primary.createStatement();
             Connection replica = cluster.admin(broken); Statement r = replica.createStatement()) {
            p.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY)");
            try {
                assertTrue(poll(WAIT, () -> exists(r, table)), "the table reached the replica");
                // Written on the replica alone (not logged, so its GTID history stays the primary's) ...
                r.execute("SET SESSION sql_log_bin = 0");
                r.execute("INSERT INTO " + table + " VALUES (1)");
                // ... then the same key on the primary: the replica's applier stops on a duplicate key.
                p.execute("INSERT INTO " + table + " VALUES (1)");
                assertTrue(poll(WAIT, () -> replicationError(cluster, broken.name()) != null),
                        () -> "the monitor saw the stopped replica: " + cluster.server().topology("main").current());
                assertTrue(replicationError(cluster, broken.name()).contains("Duplicate entry"),
                        replicationError(cluster, broken.name()));
                String json = new String(TopologyJson.write(cluster.server().topologies()), StandardCharsets.UTF_8);
                assertTrue(json.contains("\"replicationError\":\"applying stopped: "), json);

                assertEquals(Set.of(healthy.port()), readerPorts(cluster), "the reader keeps to the healthy replica");

                r.execute("DELETE FROM " + table + " WHERE id = 1");
                r.execute("START SLAVE");
                assertTrue(poll(WAIT, () -> replicationError(cluster, broken.name()) == null),
                        () -> "the monitor saw replication run again: " + cluster.server().topology("main").current());
                assertTrue(poll(WAIT, () -> readerPorts(cluster).size() == 2), "both replicas serve reads again");
            } finally {
                p.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    private static String replicationError(ProxiedMariaDb cluster, String instance) {
        return cluster.server().topology("main").current().instance(instance)
                .map(InstanceState::replicationError).orElse(null);
    }

    private static boolean exists(Statement st, String table) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                + "CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) = '" + table + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    /** The ports twenty reader sessions land on. */
    private static Set<Integer> readerPorts(ProxiedMariaDb cluster) throws SQLException {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            try (Connection c = cluster.mariadb(cluster.readerPort(), ""); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT @@port")) {
                rs.next();
                ports.add(rs.getInt(1));
            }
        }
        return ports;
    }
}
