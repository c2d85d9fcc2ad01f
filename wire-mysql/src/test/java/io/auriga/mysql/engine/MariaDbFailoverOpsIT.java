package io.auriga.mysql.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import io.auriga.core.failover.Rejoiner;
import io.auriga.core.health.GtidPosition;
import io.auriga.core.health.ProbeResult;
import io.auriga.core.topology.Role;
import io.auriga.sandbox.SandboxClusterConfig;
import io.auriga.sandbox.mariadb.MariaDbBinaries;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import io.auriga.sandbox.mariadb.MariaDbSandboxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover on a real MariaDB primary and two GTID replicas, step by step as the orchestrator runs it:
 * semi-sync on, crash the primary, promote the most advanced replica, repoint the other, fence the
 * former primary when it returns and rejoin it; then a second failover whose former primary holds a
 * transaction nobody else got, which the rejoin must discard. Skipped without MariaDB server binaries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MariaDbFailoverOpsIT {

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    private static MariaDbSandbox sandbox;
    private static ClusterConfig cluster;
    private static MariaDbClusterOperations operations;

    @BeforeAll
    static void startCluster() throws SQLException {
        assumeTrue(MariaDbBinaries.find().isPresent(), "no MariaDB server binaries on this machine");
        sandbox = new MariaDbSandbox(MariaDbSandboxOptions.in(dir).withReplicas(2)).start();
        List<InstanceConfig> instances = SandboxClusterConfig.instances(sandbox.instances());
        cluster = new ClusterConfig("my", Engine.MYSQL, instances,
                new Credentials(sandbox.adminUser(), new Secret(sandbox.adminPassword(), "test")), List.of(),
                FailoverConfig.defaults());
        // As the proxy would be wired for a cluster it does not manage: replicas keep their own account.
        operations = new MariaDbClusterOperations(cluster);
        try (Connection c = app("my1"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(100) NOT NULL)");
        }
    }

    @AfterAll
    static void stopCluster() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    /**
     * The switchover steps on the primary my1 and the replica my3: read-only ends the session inside
     * a transaction but keeps the idle one and stops the application user (not the admin account,
     * which MariaDB's read_only lets through); catch-up names both positions when it times out, and
     * returns the sequence number once the replica has applied the primary's position; writable again
     * undoes it.
     */
    @Test
    @Order(0)
    void switchoverStepsMakeThePrimaryReadOnlyAwaitTheReplicaAndUndo() throws Exception {
        insert("my1", 900, "before the switchover");
        try (Connection idle = app("my1"); Connection open = app("my1")) {
            open.setAutoCommit(false);
            try (Statement st = open.createStatement()) {
                st.execute("INSERT INTO t VALUES (901, 'inside a transaction')");
            }
            assertTrue(operations.isPrimary(config("my1"), STEP_TIMEOUT));

            operations.makeReadOnly(config("my1"), STEP_TIMEOUT);

            assertEquals("1", variable("my1", "read_only"));
            assertTrue(!operations.isPrimary(config("my1"), STEP_TIMEOUT), "a read-only server is not a primary");
            assertThrows(SQLException.class, open::commit, "the session inside a transaction was ended");
            try (Statement st = idle.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM t")) {
                rs.next();
                assertTrue(rs.getInt(1) >= 1, "the idle session still works");
            }
            SQLException refused = assertThrows(SQLException.class, () -> {
                try (Statement st = idle.createStatement()) {
                    st.execute("INSERT INTO t VALUES (902, 'refused')");
                }
            });
            assertEquals(1290, refused.getErrorCode(), refused.getMessage());
        }
        assertNull(row("my1", 901), "the ended transaction was rolled back");

        admin("my3", "STOP SLAVE SQL_THREAD");
        // The admin account has READ ONLY ADMIN: read_only does not stop it.
        admin("my1", "INSERT INTO " + sandbox.database() + ".t VALUES (903, 'written by the admin account')");
        String written = variable("my1", "gtid_binlog_pos");
        SQLException behind = assertThrows(SQLException.class,
                () -> operations.awaitCaughtUp(config("my1"), config("my3"), Duration.ofSeconds(1)));
        assertTrue(behind.getMessage().contains("my3 applied up to") && behind.getMessage().contains(written),
                "the error names both positions: " + behind.getMessage());
        admin("my3", "START SLAVE SQL_THREAD");
        long reached = operations.awaitCaughtUp(config("my1"), config("my3"), STEP_TIMEOUT);
        assertEquals(GtidPosition.parse(written).sequence(), reached);
        assertEquals("written by the admin account", row("my3", 903), "caught up means applied");
        assertEquals(reached, operations.awaitCaughtUp(config("my1"), config("my2"), STEP_TIMEOUT));

        operations.makeWritable(config("my1"), STEP_TIMEOUT);
        assertEquals("0", variable("my1", "read_only"));
        assertTrue(operations.isPrimary(config("my1"), STEP_TIMEOUT));
        assertTrue(!operations.isPrimary(config("my2"), STEP_TIMEOUT), "a replica is not a primary");
        insert("my1", 904, "after the switchover was undone");
    }

    @Test
    @Order(1)
    void semiSyncMakesThePrimaryWaitForReplicaAcknowledgements() throws Exception {
        operations.enableSemiSync(config("my1"), List.of(config("my2"), config("my3")), Duration.ofSeconds(5),
                STEP_TIMEOUT);
        assertEquals("ON", status("my1", "Rpl_semi_sync_master_status"));
        assertEquals("2", status("my1", "Rpl_semi_sync_master_clients"));
        assertEquals("AFTER_SYNC", variable("my1", "rpl_semi_sync_master_wait_point"));
        for (String replica : List.of("my2", "my3")) {
            assertEquals("ON", status(replica, "Rpl_semi_sync_slave_status"), replica);
        }
        long acknowledged = Long.parseLong(status("my1", "Rpl_semi_sync_master_yes_tx"));
        insert("my1", 1, "acknowledged");
        assertEquals(acknowledged + 1, Long.parseLong(status("my1", "Rpl_semi_sync_master_yes_tx")),
                "the commit waited for a replica's acknowledgement");
    }

    @Test
    @Order(2)
    void crashedPrimaryIsReplacedByTheMostAdvancedReplica() throws Exception {
        admin("my3", "STOP SLAVE"); // my3 falls behind: only my2 gets row 2
        insert("my1", 2, "only my2 got this before the crash");
        sandbox.kill("my1");

        ProbeResult my2 = probe("my2");
        ProbeResult my3 = probe("my3");
        assertEquals(Role.REPLICA, my2.role());
        assertTrue(my2.received() > my3.received(), "my2 " + my2 + " should be ahead of my3 " + my3);

        operations.promote(config("my2"), STEP_TIMEOUT);
        assertEquals("0", variable("my2", "read_only"));
        assertNull(replicationSource("my2"), "no replication left on the new primary");
        assertEquals("1", variable("my2", "rpl_semi_sync_master_enabled"), "semi-sync kept on the new primary");
        assertEquals(Role.PRIMARY, probe("my2").role());

        operations.repoint(config("my3"), config("my2"), STEP_TIMEOUT);
        assertEquals(sandbox.instance("my2").port(), replicationSource("my3"));
        assertEquals("only my2 got this before the crash", awaitRow("my3", 2), "my3 caught up from my2");
        insert("my2", 3, "written on the new primary");
        assertEquals("written on the new primary", awaitRow("my3", 3));
        assertEquals(Role.REPLICA, probe("my3").role());
    }

    @Test
    @Order(3)
    void returningFormerPrimaryIsFencedAndItsSessionsEnded() throws Exception {
        sandbox.startInstance("my1"); // its my.cnf still says read-only=OFF: it comes back writable
        assertEquals(Role.PRIMARY, probe("my1").role(), "two writable servers until fenced");
        try (Connection client = app("my1"); Statement st = client.createStatement()) {
            st.execute("SELECT 1");
            operations.fence(config("my1"), STEP_TIMEOUT);
            assertThrows(SQLException.class, () -> st.executeQuery("SELECT 1").close(), "client session ended");
        }
        assertEquals("1", variable("my1", "read_only"));
        assertEquals(Role.FENCED, probe("my1").role());
        try (Connection c = app("my1"); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> st.execute("INSERT INTO t VALUES (99, 'split brain')"));
            assertEquals(1290, e.getErrorCode(), e.getMessage());
        }
    }

    @Test
    @Order(4)
    void fencedFormerPrimaryRejoinsFromItsOwnPosition() throws Exception {
        Rejoiner rejoiner = sandbox::rejoin; // as the orchestrator is given it
        rejoiner.rejoin("my1", "my2");
        assertEquals(sandbox.instance("my2").port(), replicationSource("my1"));
        assertTrue(variable("my1", "gtid_binlog_state").contains("0-1-"),
                "my1's history is part of my2's: it keeps its data and binary log");
        assertTrue(Files.readString(sandbox.instance("my1").configFile()).contains("\nread-only=ON\n"),
                "a restart keeps it read-only");
        assertTrue(Files.readString(sandbox.instance("my2").configFile()).contains("\nread-only=OFF\n"),
                "the rejoin records my2 as the primary: a restart brings it back taking writes");
        assertEquals("written on the new primary", awaitRow("my1", 3));
        insert("my2", 4, "after the rejoin");
        assertEquals("after the rejoin", awaitRow("my1", 4));
        assertEquals(Role.REPLICA, probe("my1").role());
        assertEquals("1", variable("my1", "read_only"));
        assertEquals("ON", status("my1", "Rpl_semi_sync_slave_status"), "my2 runs semi-sync: my1 acknowledges");
    }

    @Test
    @Order(5)
    void divergedFormerPrimaryIsReprovisionedAndItsLocalTransactionDiscarded() throws Exception {
        admin("my1", "STOP SLAVE");
        admin("my3", "STOP SLAVE");
        admin("my2", "SET GLOBAL rpl_semi_sync_master_enabled = OFF"); // no replica would acknowledge
        insert("my2", 5, "lost with my2");
        String lost = variable("my2", "gtid_binlog_pos");
        sandbox.kill("my2");

        operations.promote(config("my3"), STEP_TIMEOUT);
        sandbox.recordPrimary("my3"); // as auriga demo does when the new primary is published
        operations.repoint(config("my1"), config("my3"), STEP_TIMEOUT);
        assertEquals("ON", status("my1", "Rpl_semi_sync_slave_status"), "repointed to a semi-sync primary");
        insert("my3", 6, "written on my3");
        assertEquals("written on my3", awaitRow("my1", 6));

        sandbox.startInstance("my2");
        assertEquals("1", variable("my2", "read_only"), "recorded as no longer primary: it comes back read-only");
        operations.fence(config("my2"), STEP_TIMEOUT);
        assertEquals(Role.FENCED, probe("my2").role());
        MariaDbSandbox.Rejoined rejoined = sandbox.rejoin("my2", "my3");
        assertTrue(rejoined.reprovisioned(), "my2 logged a transaction my3 never got");
        assertEquals(List.of(lost), rejoined.discardedGtids());

        assertEquals(sandbox.instance("my3").port(), replicationSource("my2"));
        assertEquals("written on my3", awaitRow("my2", 6));
        assertNull(row("my2", 5), "the local-only row is gone");
        insert("my3", 7, "after the re-provisioning");
        for (String name : List.of("my1", "my2")) {
            assertEquals("after the re-provisioning", awaitRow(name, 7), name);
        }
        String checksum = checksum("my3");
        assertEquals(checksum, checksum("my1"));
        assertEquals(checksum, checksum("my2"));
        assertEquals(Role.REPLICA, probe("my2").role());
        assertEquals(Role.PRIMARY, probe("my3").role());
        assertEquals("ON", status("my2", "Rpl_semi_sync_slave_status"), "re-provisioned as a semi-sync replica");
    }

    @Test
    @Order(6)
    void restartedSandboxBringsBackThePrimaryItHadWhenClosed() throws Exception {
        sandbox.recordPrimary("my1"); // a stale record: close must replace it with what the servers say
        sandbox.close();
        sandbox = new MariaDbSandbox(MariaDbSandboxOptions.in(dir).withReplicas(2)).start();
        assertEquals("my3", sandbox.currentPrimary().map(MariaDbSandbox.Instance::name).orElse(null),
                "the promoted my3 comes back taking writes, the others read-only");
        assertEquals("1", variable("my1", "read_only"));
        assertEquals("1", variable("my2", "read_only"));
        insert("my3", 8, "after the restart");
        for (String name : List.of("my1", "my2")) {
            assertEquals("after the restart", awaitRow(name, 8), name);
        }
    }

    private static InstanceConfig config(String name) {
        return cluster.instance(name).orElseThrow();
    }

    private static ProbeResult probe(String name) {
        try (MariaDbProbe probe = new MariaDbProbe(cluster, config(name), Clock.systemUTC())) {
            ProbeResult result = probe.probe();
            assertTrue(result.ok(), name + ": " + result.error());
            return result;
        }
    }

    private static void insert(String name, int id, String note) throws SQLException {
        try (Connection c = app(name); Statement st = c.createStatement()) {
            st.execute("INSERT INTO t VALUES (" + id + ", '" + note + "')");
        }
    }

    private static String row(String name, int id) throws SQLException {
        try (Connection c = app(name); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT note FROM t WHERE id = " + id)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String awaitRow(String name, int id) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + REPLICATION_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String note = row(name, id);
            if (note != null) {
                return note;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("row " + id + " not on " + name + " within " + REPLICATION_WAIT);
    }

    private static String checksum(String name) throws SQLException {
        try (Connection c = app(name); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT GROUP_CONCAT(id, ':', note ORDER BY id) FROM t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The port the instance replicates from with both threads running; null when it has no replication. */
    private static Integer replicationSource(String name) throws SQLException {
        try (Connection c = admin(name); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return null;
            }
            assertEquals("Yes", rs.getString("Slave_IO_Running"), name + ": " + rs.getString("Last_IO_Error"));
            assertEquals("Yes", rs.getString("Slave_SQL_Running"), name + ": " + rs.getString("Last_SQL_Error"));
            return rs.getInt("Master_Port");
        }
    }

    private static String variable(String name, String variable) throws SQLException {
        try (Connection c = admin(name); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@GLOBAL." + variable)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String status(String name, String variable) throws SQLException {
        try (Connection c = admin(name); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE '" + variable + "'")) {
            assertTrue(rs.next(), "no status variable " + variable + " on " + name);
            String value = rs.getString(2);
            assertNotNull(value);
            return value;
        }
    }

    private static void admin(String name, String sql) throws SQLException {
        try (Connection c = admin(name); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static Connection admin(String name) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(sandbox.instance(name), ""), sandbox.adminUser(),
                sandbox.adminPassword());
    }

    private static Connection app(String name) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(sandbox.instance(name), sandbox.database()),
                sandbox.user(), sandbox.password());
    }
}
