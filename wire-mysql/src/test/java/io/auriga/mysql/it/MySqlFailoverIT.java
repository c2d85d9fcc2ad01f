package io.auriga.mysql.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.auriga.config.FailoverConfig;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unplanned failover of a MariaDB cluster of its own behind the writer endpoint: the primary is
 * killed with SIGKILL under a write load; a replica is promoted and writes resume there. Sessions
 * that stood idle move with it and see nothing — MariaDB Connector/J and MySQL Connector/J with a
 * session variable, a schema chosen with USE and a server-side prepared statement, and a HikariCP
 * pool; a session inside a transaction gets 1213/40001 and then works; a session holding a
 * temporary table is ended with an error naming it; a statement running when the primary died gets
 * an error saying its outcome is unknown. The old primary, restarted, is fenced. Then the new
 * primary goes silent (SIGSTOP) and sessions move off it when the next replica is promoted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MySqlFailoverIT {
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(30);
    @RegisterExtension
    static final DedicatedFixture<ProxiedMariaDb> CLUSTER = ProxiedMariaDb.dedicated(new FailoverConfig(true, Duration.ofMillis(300), 3,
            Duration.ofSeconds(1), FAILOVER_TIMEOUT));
    private static final String OTHER_SCHEMA = MySqlSessionChecks.OTHER_SCHEMA;
    private static ProxiedMariaDb cluster;

    @BeforeAll
    static void bind() throws SQLException {
        cluster = CLUSTER.get();
        // HikariCP, which the proxy's user lookup uses, sets the JVM-wide DriverManager login timeout
        // to its own connection timeout (the short probe timeout); the test's clients need longer on a
        // loaded machine.
        java.sql.DriverManager.setLoginTimeout(20);
        MariaDbSandbox sandbox = cluster.sandbox();
        try (Connection c = cluster.admin(sandbox.primary()); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + OTHER_SCHEMA);
            st.execute("GRANT ALL ON " + OTHER_SCHEMA + ".* TO '" + sandbox.user() + "'@'%'");
            st.execute("CREATE TABLE " + sandbox.database() + ".failover_it (id INT PRIMARY KEY)");
            st.execute("CREATE TABLE " + sandbox.database() + ".load_it (id INT PRIMARY KEY)");
        }
    }

    @Test
    @Order(1)
    void idleSessionsFollowTheNewPrimaryAndTheOldOneIsFencedWhenItReturns() throws Exception {
        MariaDbSandbox sandbox = cluster.sandbox();
        String oldPrimary = topology().primary().orElseThrow().name();
        long epochBefore = topology().epoch();
        awaitReplicas("failover_it", 0);

        List<MySqlSessionChecks.Prepared> idle = List.of(
                MySqlSessionChecks.prepared("MariaDB Connector/J", cluster.mariadb(cluster.writerPort(),
                        "useServerPrepStmts=true&cachePrepStmts=false")),
                MySqlSessionChecks.prepared("MySQL Connector/J", cluster.mysql(cluster.writerPort(),
                        "useServerPrepStmts=true")));
        HikariDataSource pool = MySqlSessionChecks.warmPool(cluster);
        Connection inTransaction = cluster.mariadb(cluster.writerPort(), "");
        inTransaction.setAutoCommit(false);
        try (Statement st = inTransaction.createStatement()) {
            st.execute("INSERT INTO failover_it (id) VALUES (100)");
        }
        Connection temporary = cluster.mariadb(cluster.writerPort(), "");
        try (Statement st = temporary.createStatement()) {
            st.execute("CREATE TEMPORARY TABLE scratch (a INT)");
        }
        Connection running = cluster.mariadb(cluster.writerPort(), "");
        var inFlight = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (Statement st = running.createStatement()) {
                st.executeQuery("SELECT SLEEP(60)").close();
                return null;
            } catch (SQLException e) {
                return e;
            }
        });
        WriteLoad load = new WriteLoad();
        load.start();
        load.awaitAcknowledged(20);

        long killedAt = System.nanoTime();
        sandbox.kill(oldPrimary);
        long deadFrom = System.nanoTime();
        // A connection opened now waits for the new primary instead of failing.
        long connectedTo;
        try (Connection fresh = cluster.mariadb(cluster.writerPort(), ""); Statement st = fresh.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            connectedTo = rs.getLong(1);
        }
        int before = load.acknowledged.size();
        load.awaitAcknowledgedOn(before + 20, FAILOVER_TIMEOUT);
        System.out.println("writes were unavailable for about " + (System.nanoTime() - killedAt) / 1_000_000
                + " ms after SIGKILL of the primary");
        load.stop();

        Topology after = topology();
        InstanceState newPrimary = after.primary().orElseThrow();
        assertNotEquals(oldPrimary, newPrimary.name(), "a replica was promoted");
        assertTrue(after.epoch() > epochBefore, "a new primary raises the epoch");
        long newServerId = serverId(sandbox.instance(newPrimary.name()));
        assertEquals(newServerId, connectedTo, "a session opened during the failover landed on the new primary");
        assertTrue(load.errors.size() <= 2, "the load saw at most the error of its command in flight and of a "
                + "connection attempt: " + load.errors);
        List<Integer> missing = load.missingOn(sandbox.instance(newPrimary.name()));
        System.out.println(missing.size() + " of " + load.acknowledged.size() + " acknowledged rows were lost with the"
                + " old primary (asynchronous replication): " + missing);
        // A write sent before the SIGKILL landed may have been committed by the old primary alone
        // (asynchronous replication); one sent after it can only have been committed by the new one.
        assertTrue(load.acknowledgedAndSentAfter(deadFrom).stream().noneMatch(missing::contains),
                "every acknowledged write sent after the kill is on the new primary");

        SQLException cut = inFlight.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertNotNull(cut, "a statement running on the lost primary never reports success");
        assertEquals("08S01", cut.getSQLState(), cut.getMessage());
        assertTrue(cut.getMessage().contains("whether it took effect is unknown"), cut.getMessage());
        running.close();

        for (MySqlSessionChecks.Prepared p : idle) {
            MySqlSessionChecks.idleSessionSurvived(p, newServerId);
        }
        MySqlSessionChecks.poolSurvived(pool, newServerId);
        transactionReportedThenUsable(inTransaction, newServerId);
        SQLException ended = assertThrows(SQLException.class, () -> {
            try (Statement st = temporary.createStatement()) {
                st.executeQuery("SELECT COUNT(*) FROM scratch");
            }
        });
        assertTrue(ended.getMessage().contains("temporary table") && ended.getMessage().contains("scratch"),
                "the error names the state that could not be carried over: " + ended.getMessage());
        temporary.close();
        pool.close();

        // The old primary comes back claiming to be primary: it is fenced, made read-only, never routed to.
        sandbox.startInstance(oldPrimary);
        assertTrue(poll(Duration.ofSeconds(30), () -> topology().instance(oldPrimary).orElseThrow().role()
                == Role.FENCED && readOnly(sandbox.instance(oldPrimary))), "the returning old primary is fenced: "
                + topology());
        try (Connection c = cluster.mariadb(cluster.writerPort(), ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            assertEquals(newServerId, rs.getLong(1), "the writer endpoint stays on the new primary");
        }
    }

    /**
     * A primary that goes silent (SIGSTOP) keeps its connections open: sessions learn of the new
     * primary from the topology, not from a closed socket, and move all the same.
     */
    @Test
    @Order(2)
    void idleSessionsLeaveAPrimaryThatWentSilent() throws Exception {
        MariaDbSandbox sandbox = cluster.sandbox();
        String silent = topology().primary().orElseThrow().name();
        long epochBefore = topology().epoch();
        MySqlSessionChecks.Prepared idle = MySqlSessionChecks.prepared("MariaDB Connector/J",
                cluster.mariadb(cluster.writerPort(), "useServerPrepStmts=true&cachePrepStmts=false"));
        sandbox.pause(silent);
        try {
            assertTrue(poll(FAILOVER_TIMEOUT, () -> topology().epoch() > epochBefore
                    && topology().primary().isPresent()), "a replica was promoted: " + topology());
            String promoted = topology().primary().orElseThrow().name();
            assertNotEquals(silent, promoted);
            MySqlSessionChecks.idleSessionSurvived(idle, serverId(sandbox.instance(promoted)));
        } finally {
            sandbox.resume(silent);
        }
    }

    /**
     * A primary shut down cleanly (SIGTERM) says goodbye to its idle sessions with an error packet
     * before closing them; the client must not see it, since its session moves on.
     */
    @Test
    @Order(3)
    void idleSessionsLeaveAPrimaryThatShutsDownCleanly() throws Exception {
        MariaDbSandbox sandbox = cluster.sandbox();
        String primary = topology().primary().orElseThrow().name();
        // The first former primary rejoins as a replica, so there is one to promote.
        String former = topology().instances().stream().filter(i -> i.role() == Role.FENCED).map(i -> i.name())
                .sorted().findFirst().orElseThrow();
        sandbox.rejoin(former, primary);
        assertTrue(poll(Duration.ofSeconds(30), () -> topology().instance(former).orElseThrow().role()
                == Role.REPLICA), "the rejoined former primary is a replica again: " + topology());
        long epochBefore = topology().epoch();
        MySqlSessionChecks.Prepared idle = MySqlSessionChecks.prepared("MySQL Connector/J",
                cluster.mysql(cluster.writerPort(), "useServerPrepStmts=true"));
        sandbox.stop(primary);
        assertTrue(poll(FAILOVER_TIMEOUT, () -> topology().epoch() > epochBefore
                && topology().primary().isPresent()), "a replica was promoted: " + topology());
        String promoted = topology().primary().orElseThrow().name();
        assertEquals(former, promoted);
        MySqlSessionChecks.idleSessionSurvived(idle, serverId(sandbox.instance(promoted)));
    }

    private static void transactionReportedThenUsable(Connection c, long newServerId) throws SQLException {
        SQLException lost = assertThrows(SQLException.class, () -> {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO failover_it (id) VALUES (101)");
            }
        });
        assertEquals("40001", lost.getSQLState(), lost.getMessage());
        assertEquals(1213, lost.getErrorCode(), lost.getMessage());
        assertTrue(lost.getMessage().contains("failover"), lost.getMessage());
        SQLException again = assertThrows(SQLException.class, () -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT 1");
            }
        }, "every statement fails until the client ends the lost transaction");
        assertEquals("40001", again.getSQLState(), again.getMessage());
        SQLException commit = assertThrows(SQLException.class, c::commit,
                "a lost transaction is never reported as committed");
        assertEquals("40001", commit.getSQLState(), commit.getMessage());
        c.rollback();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            st.execute("INSERT INTO failover_it (id) VALUES (101)");
            try (ResultSet rs = st.executeQuery(
                    "SELECT @@server_id, (SELECT COUNT(*) FROM failover_it WHERE id = 100)")) {
                rs.next();
                assertEquals(newServerId, rs.getLong(1), "after the rollback the connection works on the new primary");
                assertEquals(0, rs.getInt(2), "the lost transaction's row is not there");
            }
        }
        c.close();
    }

    /** Autocommit INSERTs through the writer endpoint, one connection at a time, reconnecting after an error. */
    private static final class WriteLoad {
        /** {id, System.nanoTime() when its INSERT was sent}, for every INSERT the server acknowledged. */
        final ConcurrentLinkedQueue<long[]> acknowledged = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger next = new AtomicInteger(1);
        private final Thread thread = new Thread(this::run, "write-load");

        void start() {
            thread.start();
        }

        private void run() {
            while (running.get()) {
                try (Connection c = cluster.mariadb(cluster.writerPort(), "");
                     PreparedStatement ps = c.prepareStatement("INSERT INTO load_it (id) VALUES (?)")) {
                    while (running.get()) {
                        int id = next.getAndIncrement();
                        ps.setInt(1, id);
                        long sent = System.nanoTime();
                        ps.executeUpdate();
                        acknowledged.add(new long[] {id, sent});
                    }
                } catch (SQLException e) {
                    errors.add(e.getErrorCode() + " " + e.getSQLState() + " " + e.getMessage());
                    sleepQuietly(50);
                }
            }
        }

        void awaitAcknowledged(int count) throws Exception {
            assertTrue(poll(Duration.ofSeconds(10), () -> acknowledged.size() >= count), "the load runs: " + errors);
        }

        void awaitAcknowledgedOn(int count, Duration timeout) throws Exception {
            assertTrue(poll(timeout, () -> acknowledged.size() >= count), "writes resumed: " + errors);
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }

        /** The acknowledged writes whose statement was sent after {@code nanos}. */
        List<Integer> acknowledgedAndSentAfter(long nanos) {
            return acknowledged.stream().filter(a -> a[1] - nanos > 0).map(a -> (int) a[0]).toList();
        }

        List<Integer> missingOn(MariaDbSandbox.Instance instance) throws SQLException {
            Set<Integer> present = new java.util.HashSet<>();
            try (Connection c = cluster.admin(instance); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT id FROM " + cluster.sandbox().database() + ".load_it")) {
                while (rs.next()) {
                    present.add(rs.getInt(1));
                }
            }
            return acknowledged.stream().map(a -> (int) a[0]).filter(id -> !present.contains(id)).toList();
        }
    }

    private static long serverId(MariaDbSandbox.Instance instance) throws SQLException {
        try (Connection c = cluster.admin(instance); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean readOnly(MariaDbSandbox.Instance instance) {
        try (Connection c = cluster.admin(instance); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@read_only")) {
            rs.next();
            return rs.getInt(1) == 1;
        } catch (SQLException e) {
            return false;
        }
    }

    private static void awaitReplicas(String table, int rows) throws Exception {
        for (MariaDbSandbox.Instance replica : cluster.sandbox().replicas()) {
            assertTrue(poll(Duration.ofSeconds(30), () -> {
                try (Connection c = cluster.admin(replica); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + cluster.sandbox().database() + "."
                             + table)) {
                    rs.next();
                    return rs.getInt(1) == rows;
                } catch (SQLException e) {
                    return false;
                }
            }), "the replicas have " + table);
        }
    }

    private static Topology topology() {
        return cluster.server().topology("main").current();
    }


    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
