package io.auriga.sandbox.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxChecks;
import io.auriga.sandbox.ServerUser;
import io.auriga.sandbox.pg.PgSandbox.Instance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provisions a real primary and two streaming replicas once, checks replication, roles and
 * credentials, then checks that closing leaves nothing running and that the directory can be
 * started again. Skipped when the machine has no PostgreSQL server binaries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgSandboxIT {

    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path dir;

    private static PgSandbox sandbox;

    @BeforeAll
    static void startCluster() {
        assumeTrue(PgBinaries.find().isPresent(), "no PostgreSQL server binaries on this machine");
        sandbox = new PgSandbox(PgSandboxOptions.builder(dir).replicas(2).build()).start();
    }

    @AfterAll
    static void stopCluster() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    @Order(1)
    void onlyTheServerAccountReachesTheSocketAndItNeedsAPassword() throws Exception {
        Path sockets = dir.resolve(PgConfigFiles.SOCKET_DIR);
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(sockets));
        assertEquals(ServerUser.detect(ServerUser.POSTGRES).name(), Files.getOwner(sockets).getName());

        Instance primary = sandbox.primary();
        List<String> psql = List.of(PgBinaries.find().orElseThrow().bin("psql").toString(), "-X", "-At", "-w",
                "-h", sockets.toString(), "-p", Integer.toString(primary.port()), "-U", sandbox.adminUser(),
                "-d", "postgres", "-c", "SELECT current_user");
        ProcessRunner.Result withoutPassword = ProcessRunner.run(psql, Map.of("PGPASSWORD", ""), dir,
                Duration.ofSeconds(30));
        assertFalse(withoutPassword.ok(), "the socket let the superuser in without a password: "
                + withoutPassword.output());
        assertTrue(withoutPassword.output().contains("password"), withoutPassword.output());
        ProcessRunner.Result withPassword = ProcessRunner.run(psql, Map.of("PGPASSWORD", sandbox.adminPassword()), dir,
                Duration.ofSeconds(30));
        assertTrue(withPassword.ok(), withPassword.output());
    }

    @Test
    @Order(1)
    void provisionsAPrimaryAndTwoReplicasOnDistinctLoopbackPorts() {
        List<Instance> instances = sandbox.instances();
        assertEquals(List.of("pg1", "pg2", "pg3"), instances.stream().map(Instance::name).toList());
        assertEquals(3, instances.stream().map(Instance::port).distinct().count());
        instances.forEach(i -> assertEquals("127.0.0.1", i.host()));
        assertEquals(dir.resolve("pg1"), sandbox.primary().dataDir());
    }

    @Test
    @Order(2)
    void primaryIsNotInRecoveryAndReplicasAre() throws SQLException {
        assertFalse(inRecovery(sandbox.primary()));
        for (Instance replica : sandbox.replicas()) {
            assertTrue(inRecovery(replica), replica.name() + " should be in recovery");
        }
    }

    @Test
    @Order(3)
    void rowWrittenOnThePrimaryAppearsOnEveryReplica() throws Exception {
        try (Connection primary = connectApp(sandbox.primary()); Statement st = primary.createStatement()) {
            st.execute("CREATE TABLE greeting (id int PRIMARY KEY, text text NOT NULL)");
            st.execute("INSERT INTO greeting VALUES (1, 'hello replicas')");
        }
        for (Instance replica : sandbox.replicas()) {
            assertEquals("hello replicas", awaitGreeting(replica, 1), "row on " + replica.name());
        }
    }

    @Test
    @Order(4)
    void adminReadsTheApplicationUsersScramVerifier() throws SQLException {
        Instance primary = sandbox.primary();
        try (Connection admin = DriverManager.getConnection(sandbox.jdbcUrl(primary, "postgres"),
                sandbox.adminUser(), sandbox.adminPassword());
             PreparedStatement st = admin.prepareStatement("SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
            st.setString(1, sandbox.user());
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                assertTrue(rs.getString(1).startsWith("SCRAM-SHA-256$"), "verifier: " + rs.getString(1));
            }
        }
        assertTrue(dir.resolve("admin.password").toFile().isFile());
    }

    @Test
    @Order(5)
    void killedReplicaComesBackAndCatchesUp() throws Exception {
        Instance replica = sandbox.instance("pg3");
        sandbox.kill("pg3");
        assertFalse(sandbox.isRunning("pg3"));
        SandboxChecks.assertStopped("pg3", replica.dataDir(), replica.port());
        try (Connection primary = connectApp(sandbox.primary()); Statement st = primary.createStatement()) {
            st.execute("INSERT INTO greeting VALUES (3, 'while pg3 was down')");
        }
        sandbox.startInstance("pg3");
        assertTrue(sandbox.isRunning("pg3"));
        assertEquals("while pg3 was down", awaitGreeting(replica, 3));
    }

    @Test
    @Order(6)
    void pausedInstanceHangsUntilResumed() throws Exception {
        Instance replica = sandbox.instance("pg2");
        Properties props = new Properties();
        props.setProperty("user", sandbox.user());
        props.setProperty("password", sandbox.password());
        props.setProperty("socketTimeout", "1");
        try (Connection c = DriverManager.getConnection(sandbox.jdbcUrl(replica, sandbox.database()), props);
             Statement st = c.createStatement()) {
            sandbox.pause("pg2");
            try {
                assertThrows(SQLException.class, () -> st.execute("SELECT 1"));
            } finally {
                sandbox.resume("pg2");
            }
        }
        assertTrue(inRecovery(replica), "pg2 answers again after resume");
    }

    @Test
    @Order(7)
    void closeLeavesNoServerRunningAndNoPortOpen() throws Exception {
        List<Instance> instances = sandbox.instances();
        sandbox.close();
        sandbox.close(); // idempotent
        for (Instance instance : instances) {
            SandboxChecks.assertStopped(instance.name(), instance.dataDir(), instance.port());
        }
    }

    @Test
    @Order(8)
    void reusesTheClusterWhenStartedAgainInTheSameDirectory() throws Exception {
        List<Instance> before = sandbox.instances();
        sandbox = new PgSandbox(PgSandboxOptions.builder(dir).replicas(2).build()).start();
        assertEquals(before, sandbox.instances());
        try (Connection primary = connectApp(sandbox.primary()); Statement st = primary.createStatement()) {
            st.execute("INSERT INTO greeting VALUES (4, 'again')");
        }
        for (Instance replica : sandbox.replicas()) {
            assertEquals("again", awaitGreeting(replica, 4), "row on " + replica.name());
        }
    }

    private static boolean inRecovery(Instance instance) throws SQLException {
        try (Connection c = connectApp(instance); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            assertTrue(rs.next());
            return rs.getBoolean(1);
        }
    }

    /** Polls {@code instance} until the greeting row {@code id} is visible; fails at the deadline. */
    private static String awaitGreeting(Instance instance, int id) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + REPLICATION_WAIT.toNanos();
        try (Connection c = connectApp(instance);
             PreparedStatement st = c.prepareStatement(
                     "SELECT text FROM greeting WHERE id = ?")) {
            st.setInt(1, id);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                } catch (SQLException e) {
                    // the table itself may not have been replayed yet (42P01); poll again
                    if (!"42P01".equals(e.getSQLState())) {
                        throw e;
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("greeting " + id + " not visible on " + instance.name() + " within " + REPLICATION_WAIT);
    }

    private static Connection connectApp(Instance instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(instance, sandbox.database()),
                sandbox.user(), sandbox.password());
    }
}
