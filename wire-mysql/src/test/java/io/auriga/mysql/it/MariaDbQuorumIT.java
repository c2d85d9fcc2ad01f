package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.AurigaConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.Durability;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.testing.TestTransport;
import io.auriga.core.topology.InstanceState;
import io.auriga.mysql.engine.MariaDbEngineSupport;
import io.auriga.sandbox.mariadb.MariaDbBinaries;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import io.auriga.sandbox.mariadb.MariaDbSandboxCluster;
import io.auriga.sandbox.mariadb.MariaDbSandboxOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code durability: quorum} on real MariaDB servers behind Auriga: the primary runs semi-synchronous
 * replication with both replicas as clients and never falls back to asynchronous, and a failover under a
 * write load through the writer endpoint loses no acknowledged commit, even when the replica with the
 * preferred promotion tier is behind: my2 (tier 0) stops receiving before the primary is killed, so only
 * my3 (tier 1) holds the last commits. Skipped without MariaDB server binaries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MariaDbQuorumIT {
    private static final String CLUSTER = "main";
    private static final long MAX_ACK_TIMEOUT = 4_294_967_295L;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static MariaDbSandbox sandbox;
    private static AurigaServer auriga;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(MariaDbBinaries.find().isPresent(), "no MariaDB server binaries on this machine");
        sandbox = new MariaDbSandbox(MariaDbSandboxOptions.in(dir).withReplicas(2)).start();
        FailoverConfig failover = new FailoverConfig(true, Duration.ofMillis(250), 3, Duration.ofSeconds(1),
                Duration.ofSeconds(30));
        ClusterConfig base = MariaDbSandboxCluster.config(sandbox, CLUSTER, "127.0.0.1", 0, 0, failover,
                Durability.QUORUM);
        List<InstanceConfig> tiers = base.instances().stream()
                .map(i -> new InstanceConfig(i.name(), i.host(), i.port(), i.name().equals("my3") ? 1 : 0, false))
                .toList();
        ClusterConfig cluster = new ClusterConfig(base.name(), base.engine(), tiers, base.adminCredentials(),
                base.endpoints(), base.failover(), base.durability());
        ServerConfig d = ServerConfig.defaults();
        AurigaConfig config = new AurigaConfig(List.of(cluster), List.of(), TlsConfig.disabled(),
                new AdminConfig("127.0.0.1", 0), new ServerConfig("127.0.0.1", 2, TestTransport.configured(),
                d.startupTimeout(), d.connectTimeout(), d.maxStartupPacket(), d.userCacheTtl()));
        Clock clock = Clock.systemUTC();
        auriga = new AurigaServer(config, Map.of(Engine.MYSQL, new MariaDbEngineSupport(clock)), clock);
        auriga.start();
        try (Connection c = admin("my1"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + sandbox.database() + ".quorum_it (id BIGINT PRIMARY KEY)");
        }
    }

    @AfterAll
    static void stop() {
        if (auriga != null) {
            auriga.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    @Order(1)
    void thePrimaryWaitsForItsReplicasWithoutFallback() throws Exception {
        assertTrue(poll(() -> "2".equals(status("my1", "Rpl_semi_sync_master_clients"))),
                "both replicas acknowledge as semi-sync clients of my1: "
                        + status("my1", "Rpl_semi_sync_master_clients"));
        assertEquals("ON", status("my1", "Rpl_semi_sync_master_status"));
        assertEquals("1", variable("my1", "rpl_semi_sync_master_enabled"));
        assertEquals("AFTER_SYNC", variable("my1", "rpl_semi_sync_master_wait_point"));
        assertEquals(Long.toString(MAX_ACK_TIMEOUT), variable("my1", "rpl_semi_sync_master_timeout"),
                "commits wait instead of falling back to asynchronous");
        assertEquals("1", variable("my1", "rpl_semi_sync_master_wait_no_slave"));
        for (String replica : List.of("my2", "my3")) {
            assertEquals("ON", status(replica, "Rpl_semi_sync_slave_status"), replica);
            assertEquals("0", variable(replica, "rpl_semi_sync_master_enabled"), replica);
        }
    }

    @Test
    @Order(2)
    void aCommitWaitsWhileNoReplicaReceives() throws Exception {
        execute("my2", "STOP SLAVE IO_THREAD");
        execute("my3", "STOP SLAVE IO_THREAD");
        CompletableFuture<Void> insert = CompletableFuture.runAsync(() -> {
            try (Connection c = app("my1"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO quorum_it VALUES (-1)");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            Thread.sleep(3_000);
            assertFalse(insert.isDone(), "the commit returned with no replica to acknowledge it");
            assertEquals("ON", status("my1", "Rpl_semi_sync_master_status"), "still semi-synchronous");
        } finally {
            execute("my3", "START SLAVE IO_THREAD");
        }
        insert.get(20, TimeUnit.SECONDS);
        execute("my2", "START SLAVE IO_THREAD");
        assertTrue(poll(() -> "2".equals(status("my1", "Rpl_semi_sync_master_clients"))), "both reconnected");
    }

    @Test
    @Order(3)
    void aReplicaThatCameBackWithoutItsSemiSyncSideIsMadeToAcknowledgeAgain() throws Exception {
        // As after a restart without rpl_semi_sync_slave_enabled in its option file, too quick for the
        // monitor to see it down: it replicates, but acknowledges nothing.
        execute("my2", "SET GLOBAL rpl_semi_sync_slave_enabled = OFF");
        execute("my2", "STOP SLAVE IO_THREAD");
        execute("my2", "START SLAVE IO_THREAD");
        assertTrue(poll(() -> "1".equals(status("my1", "Rpl_semi_sync_master_clients"))),
                "my2 reconnected as an asynchronous replica: " + status("my1", "Rpl_semi_sync_master_clients"));
        long drifted = System.nanoTime();
        assertTrue(poll(() -> "ON".equals(status("my2", "Rpl_semi_sync_slave_status"))
                        && "2".equals(status("my1", "Rpl_semi_sync_master_clients"))),
                "the proxy's periodic check made my2 acknowledge again: " + status("my2", "Rpl_semi_sync_slave_status"));
        System.out.println("my2 acknowledged again after " + (System.nanoTime() - drifted) / 1_000_000 + " ms");
        assertEquals("1", variable("my2", "rpl_semi_sync_slave_enabled"));
    }

    @Test
    @Order(4)
    void noAcknowledgedCommitIsLostWhenThePrimaryIsKilledUnderLoad() throws Exception {
        // my2 stops receiving: from now on only my3 acknowledges, and the promotion tier prefers my2.
        execute("my2", "STOP SLAVE IO_THREAD");
        assertTrue(poll(() -> "1".equals(status("my1", "Rpl_semi_sync_master_clients"))), "my2 disconnected");

        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong failures = new AtomicLong();
        int port = auriga.port(CLUSTER, "writer");
        Thread writer = new Thread(() -> {
            long id = 0;
            while (running.get()) {
                id++;
                // A new connection per INSERT: the writer endpoint follows the primary for new sessions.
                try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/"
                        + sandbox.database(), credentials()); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO quorum_it VALUES (" + id + ")");
                    acknowledged.add(id);
                } catch (SQLException e) {
                    failures.incrementAndGet();
                    sleep(20);
                }
            }
        }, "quorum-it-writer");
        writer.start();
        try {
            assertTrue(poll(() -> acknowledged.size() >= 100), "writes are acknowledged with my3 alone");
            sandbox.kill("my1");
            int atKill = acknowledged.size();
            assertTrue(poll(() -> auriga.topology(CLUSTER).current().primary().map(InstanceState::name)
                    .filter("my3"::equals).isPresent()), "my3, the only replica with every commit, is promoted: "
                    + auriga.topology(CLUSTER).current());
            assertTrue(poll(() -> acknowledged.size() >= atKill + 100), "writes go on through the new primary");
        } finally {
            running.set(false);
            writer.join(30_000);
        }
        Set<Long> onNewPrimary = new HashSet<>();
        try (Connection c = app("my3"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM quorum_it")) {
            while (rs.next()) {
                onNewPrimary.add(rs.getLong(1));
            }
        }
        Set<Long> lost = new HashSet<>(acknowledged);
        lost.removeAll(onNewPrimary);
        assertEquals(Set.of(), lost, acknowledged.size() + " acknowledged, " + failures.get() + " failed");

        assertEquals("1", variable("my3", "rpl_semi_sync_master_enabled"), "semi-sync on at the new primary");
        assertEquals(Long.toString(MAX_ACK_TIMEOUT), variable("my3", "rpl_semi_sync_master_timeout"));
        assertEquals("1", variable("my3", "rpl_semi_sync_master_wait_no_slave"));
        assertTrue(poll(() -> "1".equals(status("my3", "Rpl_semi_sync_master_clients"))),
                "my2, repointed, acknowledges the new primary's commits");
    }

    private static boolean poll(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            sleep(100);
        }
        return condition.getAsBoolean();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String variable(String instance, String name) {
        return single(instance, "SELECT @@GLOBAL." + name);
    }

    private static String status(String instance, String name) {
        try (Connection c = admin(instance); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE '" + name + "'")) {
            return rs.next() ? rs.getString(2) : null;
        } catch (SQLException e) {
            return "error: " + e.getMessage();
        }
    }

    private static String single(String instance, String sql) {
        try (Connection c = admin(instance); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "error: " + e.getMessage();
        }
    }

    private static void execute(String instance, String sql) throws SQLException {
        try (Connection c = admin(instance); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static Properties credentials() {
        return withTimeouts(sandbox.user(), sandbox.password());
    }

    /** Timeouts on every connection: a commit left waiting for an acknowledgement fails a test, never hangs it. */
    private static Properties withTimeouts(String user, String password) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10000");
        p.setProperty("socketTimeout", "30000");
        return p;
    }

    private static Connection admin(String instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(sandbox.instance(instance), ""),
                withTimeouts(sandbox.adminUser(), sandbox.adminPassword()));
    }

    private static Connection app(String instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(sandbox.instance(instance), sandbox.database()),
                credentials());
    }
}
