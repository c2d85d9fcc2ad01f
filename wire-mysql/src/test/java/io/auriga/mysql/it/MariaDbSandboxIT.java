package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import io.auriga.core.health.ProbeResult;
import io.auriga.core.topology.Role;
import io.auriga.mysql.engine.MariaDbProbe;
import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxChecks;
import io.auriga.sandbox.SandboxClusterConfig;
import io.auriga.sandbox.mariadb.MariaDbBinaries;
import io.auriga.sandbox.mariadb.MariaDbSandbox.Instance;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import io.auriga.sandbox.mariadb.MariaDbSandboxOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provisions a real MariaDB primary and two GTID replicas once, checks replication, roles, the probe
 * and the client tools, crashes the primary, then checks that closing leaves nothing running.
 * Skipped when the machine has no MariaDB server binaries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MariaDbSandboxIT {

    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path dir;

    private static MariaDbSandbox sandbox;

    @BeforeAll
    static void startCluster() {
        assumeTrue(MariaDbBinaries.find().isPresent(), "no MariaDB server binaries on this machine");
        sandbox = new MariaDbSandbox(MariaDbSandboxOptions.in(dir).withReplicas(2)).start();
    }

    @AfterAll
    static void stopCluster() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    @Order(1)
    void provisionsAPrimaryAndTwoReplicasOnDistinctLoopbackPorts() throws SQLException {
        List<Instance> instances = sandbox.instances();
        assertEquals(List.of("my1", "my2", "my3"), instances.stream().map(Instance::name).toList());
        assertEquals(3, instances.stream().map(Instance::port).distinct().count());
        Set<Long> serverIds = new HashSet<>();
        for (Instance instance : instances) {
            assertEquals("127.0.0.1", instance.host());
            assertEquals(dir.resolve(instance.name()), instance.directory());
            try (Connection c = connectAdmin(instance); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT @@server_id, @@log_bin, @@log_slave_updates, "
                         + "@@gtid_strict_mode, @@binlog_format, @@datadir, @@bind_address")) {
                assertTrue(rs.next());
                serverIds.add(rs.getLong(1));
                assertTrue(rs.getBoolean(2), "log_bin on " + instance.name());
                assertTrue(rs.getBoolean(3), "log_slave_updates on " + instance.name());
                assertTrue(rs.getBoolean(4), "gtid_strict_mode on " + instance.name());
                assertEquals("ROW", rs.getString(5));
                assertEquals(instance.dataDir().toString() + "/", rs.getString(6));
                assertEquals("127.0.0.1", rs.getString(7));
            }
        }
        assertEquals(3, serverIds.size(), "server_id must be unique");
    }

    @Test
    @Order(2)
    void replicasFollowThePrimaryByGtidAndAreReadOnly() throws SQLException {
        assertEquals("my1", sandbox.currentPrimary().orElseThrow().name());
        for (Instance replica : sandbox.replicas()) {
            try (Connection c = connectAdmin(replica); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
                assertTrue(rs.next(), replica.name() + " has no replication configured");
                assertEquals(sandbox.primary().port(), rs.getInt("Master_Port"));
                assertEquals("Slave_Pos", rs.getString("Using_Gtid"));
                assertEquals("Yes", rs.getString("Slave_IO_Running"));
                assertEquals("Yes", rs.getString("Slave_SQL_Running"));
            }
            try (Connection c = connectApp(replica); Statement st = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> st.execute("CREATE TABLE nope (id int)"));
                assertEquals(1290, e.getErrorCode(), "read_only refusal expected, got " + e.getMessage());
            }
        }
    }

    @Test
    @Order(3)
    void rowWrittenOnThePrimaryAppearsOnEveryReplica() throws Exception {
        try (Connection primary = connectApp(sandbox.primary()); Statement st = primary.createStatement()) {
            st.execute("CREATE TABLE greeting (id INT PRIMARY KEY, text VARCHAR(100) NOT NULL)");
            st.execute("INSERT INTO greeting VALUES (1, 'hello replicas')");
        }
        for (Instance replica : sandbox.replicas()) {
            assertEquals("hello replicas", awaitGreeting(replica, 1), "row on " + replica.name());
        }
    }

    @Test
    @Order(4)
    void applicationUserLogsInWithMysqlNativePasswordThroughBothDrivers() throws SQLException {
        try (Connection admin = connectAdmin(sandbox.primary());
             PreparedStatement st = admin.prepareStatement(
                     "SELECT plugin, authentication_string FROM mysql.user WHERE user = ?")) {
            st.setString(1, sandbox.user());
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("mysql_native_password", rs.getString(1));
                assertTrue(rs.getString(2).matches("\\*[0-9A-F]{40}"), rs.getString(2));
            }
        }
        String url = "jdbc:mysql://127.0.0.1:" + sandbox.primary().port() + "/" + sandbox.database();
        try (Connection c = DriverManager.getConnection(url, sandbox.user(), sandbox.password());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT text FROM greeting")) {
            assertTrue(c.getClass().getName().startsWith("com.mysql."), c.getClass().getName());
            assertTrue(rs.next());
            assertEquals("hello replicas", rs.getString(1));
        }
    }

    @Test
    @Order(5)
    void mariadbCommandLineClientConnectsAsTheApplicationUser() {
        Instance primary = sandbox.primary();
        ProcessRunner.Result result = ProcessRunner.run(List.of(sandbox.binaries().client().toString(),
                        "--no-defaults", "--protocol=TCP", "-h", primary.host(), "-P", Integer.toString(primary.port()),
                        "-u", sandbox.user(), "--batch", "--skip-column-names",
                        "-e", "SELECT CONCAT(CURRENT_USER(), ' ', text) FROM greeting WHERE id = 1", sandbox.database()),
                Map.of("MYSQL_PWD", sandbox.password()), null, Duration.ofSeconds(30));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("auriga@% hello replicas", result.output().strip());
    }

    @Test
    @Order(6)
    void probeReportsRolesAndGtidPositions() throws Exception {
        ClusterConfig cluster = clusterConfig();
        long primaryPosition;
        try (MariaDbProbe probe = probe(cluster, sandbox.primary())) {
            ProbeResult before = probe.probe();
            assertTrue(before.ok(), before.error());
            assertEquals(Role.PRIMARY, before.role());
            try (Connection c = connectApp(sandbox.primary()); Statement st = c.createStatement()) {
                st.execute("INSERT INTO greeting VALUES (2, 'one more transaction')");
            }
            ProbeResult after = probe.probe();
            assertEquals(before.position() + 1, after.position(), "one transaction is one GTID");
            primaryPosition = after.position();
        }
        for (Instance replica : sandbox.replicas()) {
            awaitGreeting(replica, 2);
            try (MariaDbProbe probe = probe(cluster, replica)) {
                ProbeResult result = probe.probe();
                assertTrue(result.ok(), result.error());
                assertEquals(Role.REPLICA, result.role(), replica.name());
                assertEquals(primaryPosition, result.position(), "applied position of " + replica.name());
                assertEquals(primaryPosition, result.received(), "received position of " + replica.name());
            }
        }
    }

    @Test
    @Order(7)
    void pausedInstanceHangsUntilResumed() throws Exception {
        Instance replica = sandbox.instance("my2");
        Properties props = new Properties();
        props.setProperty("user", sandbox.user());
        props.setProperty("password", sandbox.password());
        props.setProperty("socketTimeout", "1000");
        try (Connection c = DriverManager.getConnection(sandbox.jdbcUrl(replica, sandbox.database()), props);
             Statement st = c.createStatement()) {
            sandbox.pause("my2");
            try {
                assertThrows(SQLException.class, () -> st.executeQuery("SELECT 1").close());
            } finally {
                sandbox.resume("my2");
            }
        }
        assertEquals("hello replicas", awaitGreeting(replica, 1), "my2 answers again after resume");
    }

    @Test
    @Order(8)
    void killedPrimaryIsSeenDownByTheProbeAndComesBack() throws Exception {
        Instance primary = sandbox.primary();
        ClusterConfig cluster = clusterConfig();
        try (MariaDbProbe probe = probe(cluster, primary)) {
            assertEquals(Role.PRIMARY, probe.probe().role());
            sandbox.kill("my1");
            assertFalse(sandbox.isRunning("my1"));
            SandboxChecks.assertStopped("my1", primary.directory(), primary.port());
            ProbeResult broken = probe.probe(); // its kept connection was reset
            assertFalse(broken.ok());
            assertEquals(Role.DOWN, broken.role());
            ProbeResult refused = probe.probe(); // a new connection finds nothing listening
            assertEquals(Role.DOWN, refused.role());
            assertTrue(refused.refused(), "a closed port should be reported as refused: " + refused.error());
        }
        assertTrue(sandbox.currentPrimary().isEmpty(), "no instance takes writes while my1 is down");
        sandbox.startInstance("my1");
        assertEquals("my1", sandbox.currentPrimary().orElseThrow().name());
        try (Connection c = connectApp(primary); Statement st = c.createStatement()) {
            st.execute("INSERT INTO greeting VALUES (3, 'after the crash')");
        }
        for (Instance replica : sandbox.replicas()) {
            assertEquals("after the crash", awaitGreeting(replica, 3), "replication resumed on " + replica.name());
        }
    }

    @Test
    @Order(9)
    void closeLeavesNoServerRunningAndNoPortOpen() {
        List<Instance> instances = sandbox.instances();
        sandbox.close();
        sandbox.close(); // idempotent
        for (Instance instance : instances) {
            SandboxChecks.assertStopped(instance.name(), instance.directory(), instance.port());
        }
    }

    private static ClusterConfig clusterConfig() {
        List<InstanceConfig> instances = SandboxClusterConfig.instances(sandbox.instances());
        return new ClusterConfig("my", Engine.MYSQL, instances,
                new Credentials(sandbox.adminUser(), new Secret(sandbox.adminPassword(), "test")), List.of(),
                FailoverConfig.defaults());
    }

    private static MariaDbProbe probe(ClusterConfig cluster, Instance instance) {
        return new MariaDbProbe(cluster, cluster.instance(instance.name()).orElseThrow(), Clock.systemUTC());
    }

    /** Polls {@code instance} until greeting row {@code id} is visible; fails at the deadline. */
    private static String awaitGreeting(Instance instance, int id) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + REPLICATION_WAIT.toNanos();
        try (Connection c = connectApp(instance)) {
            while (System.nanoTime() < deadline) {
                try (PreparedStatement st = c.prepareStatement("SELECT text FROM greeting WHERE id = ?")) {
                    st.setInt(1, id);
                    try (ResultSet rs = st.executeQuery()) {
                        if (rs.next()) {
                            return rs.getString(1);
                        }
                    }
                } catch (SQLException e) {
                    if (e.getErrorCode() != 1146) { // the table itself may not have replicated yet
                        throw e;
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("greeting " + id + " not visible on " + instance.name() + " within "
                + REPLICATION_WAIT);
    }

    private static Connection connectApp(Instance instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(instance, sandbox.database()), sandbox.user(),
                sandbox.password());
    }

    private static Connection connectAdmin(Instance instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(instance, ""), sandbox.adminUser(),
                sandbox.adminPassword());
    }
}
