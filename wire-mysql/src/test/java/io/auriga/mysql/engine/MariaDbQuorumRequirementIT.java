package io.auriga.mysql.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import io.auriga.sandbox.SandboxClusterConfig;
import io.auriga.sandbox.mariadb.MariaDbBinaries;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import io.auriga.sandbox.mariadb.MariaDbSandboxOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code durability: quorum} switched on under a write load, on a real MariaDB primary whose two replicas
 * receive asynchronously until then. A commit that one of them received before it reconnected as
 * semi-sync is never acknowledged by it, so the change must make the replicas acknowledge before the
 * primary waits: otherwise the writer's commit waits until the next commit, which never comes. Skipped
 * without MariaDB server binaries.
 */
class MariaDbQuorumRequirementIT {

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration PROGRESS_WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path dir;

    private static MariaDbSandbox sandbox;
    private static MariaDbClusterOperations operations;
    private static ClusterConfig cluster;

    @BeforeAll
    static void startCluster() throws SQLException {
        assumeTrue(MariaDbBinaries.find().isPresent(), "no MariaDB server binaries on this machine");
        sandbox = new MariaDbSandbox(MariaDbSandboxOptions.in(dir).withReplicas(2)).start();
        cluster = new ClusterConfig("my", Engine.MYSQL, SandboxClusterConfig.instances(sandbox.instances()),
                new Credentials(sandbox.adminUser(), new Secret(sandbox.adminPassword(), "test")), List.of(),
                FailoverConfig.defaults());
        operations = new MariaDbClusterOperations(cluster);
        try (Connection c = app(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE q (id BIGINT PRIMARY KEY)");
        }
    }

    @AfterAll
    static void stopCluster() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void everyCommitIsAcknowledgedWhenTheRequirementIsAppliedUnderLoad() throws Exception {
        AtomicLong committed = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<SQLException> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection c = app(); Statement st = c.createStatement()) {
                for (long id = 1; running.get(); id++) {
                    st.execute("INSERT INTO q VALUES (" + id + ")");
                    committed.incrementAndGet();
                }
            } catch (SQLException e) {
                failure.set(e);
            }
        }, "quorum-requirement-writer");
        writer.start();
        try {
            assertTrue(awaitCommits(committed, 50), "the writer commits before the change");

            operations.requireSynchronousStandbys(config("my1"), List.of("my2", "my3"), STEP_TIMEOUT);

            assertEquals("ON", status("my1", "Rpl_semi_sync_master_status"));
            long acknowledgedBefore = Long.parseLong(status("my1", "Rpl_semi_sync_master_yes_tx"));
            assertTrue(awaitCommits(committed, committed.get() + 200), "the writer's commits go on: "
                    + committed.get() + " committed, " + status("my1", "Rpl_semi_sync_master_wait_sessions")
                    + " waiting for an acknowledgement, error " + failure.get());
            assertTrue(Long.parseLong(status("my1", "Rpl_semi_sync_master_yes_tx")) >= acknowledgedBefore + 200,
                    "the commits after the change were acknowledged by a replica");
            assertEquals("2", status("my1", "Rpl_semi_sync_master_clients"));
        } finally {
            running.set(false);
            writer.join(STEP_TIMEOUT.toMillis());
        }
        assertEquals(null, failure.get());
    }

    private static boolean awaitCommits(AtomicLong committed, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + PROGRESS_WAIT.toNanos();
        while (committed.get() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return committed.get() >= atLeast;
    }

    private static InstanceConfig config(String name) {
        return cluster.instances().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    private static String status(String name, String variable) throws SQLException {
        try (Connection c = connect(sandbox.jdbcUrl(sandbox.instance(name), ""), sandbox.adminUser(),
                sandbox.adminPassword()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE '" + variable + "'")) {
            assertTrue(rs.next(), "no status variable " + variable + " on " + name);
            return rs.getString(2);
        }
    }

    private static Connection app() throws SQLException {
        return connect(sandbox.jdbcUrl(sandbox.primary(), sandbox.database()), sandbox.user(), sandbox.password());
    }

    /** With a socket timeout: a commit left waiting for an acknowledgement fails the test instead of hanging it. */
    private static Connection connect(String url, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5000");
        p.setProperty("socketTimeout", "30000");
        return DriverManager.getConnection(url, p);
    }
}
