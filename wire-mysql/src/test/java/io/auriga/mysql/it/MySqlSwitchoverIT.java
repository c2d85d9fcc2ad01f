package io.auriga.mysql.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.auriga.config.FailoverConfig;
import io.auriga.core.admin.SwitchoverJson;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.testing.SwitchoverRequests;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Planned switchover of a MariaDB cluster of its own (a primary and two replicas) through the admin
 * API, under a write load from four sessions through the writer endpoint — MariaDB Connector/J and
 * MySQL Connector/J, server-side and client-side prepared statements, autocommit inserts and
 * two-row transactions: no client sees an error and every acknowledged insert is on the new
 * primary, written where its session stood. Idle sessions (a token user's and an ed25519 account's among them) with a session variable, a schema and a server-side prepared statement, and
 * a HikariCP pool, carry on on the new primary; the old primary is rejoined as a replica of the new
 * one (the sandbox rejoins it, as {@code auriga demo} does) and the reader endpoint reaches it; a
 * switchover back works the same. A session that keeps its transaction open past the drain loses
 * it as in a failover and goes on. Requests that cannot be carried out are refused with a clear
 * answer and change nothing; a switchover whose candidate cannot catch up rolls back, and the old
 * primary stays the primary, writable, with its sessions.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MySqlSwitchoverIT {
    /** Also how long the catch-up may take before a switchover rolls back. */
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(15);
    @RegisterExtension
    static final DedicatedFixture<ProxiedMariaDb> CLUSTER = ProxiedMariaDb.dedicated(new FailoverConfig(true, Duration.ofMillis(300), 3,
            Duration.ofSeconds(1), FAILOVER_TIMEOUT), true);
    private static final int WRITERS = 4;
    private static ProxiedMariaDb cluster;

    @BeforeAll
    static void bind() throws SQLException {
        cluster = CLUSTER.get();
        // HikariCP, which the proxy's user lookup uses, sets the JVM-wide DriverManager login timeout to
        // its own connection timeout (the short probe timeout); the test's clients need longer.
        java.sql.DriverManager.setLoginTimeout(20);
        MariaDbSandbox sandbox = cluster.sandbox();
        try (Connection c = cluster.admin(sandbox.primary()); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + MySqlSessionChecks.OTHER_SCHEMA);
            st.execute("GRANT ALL ON " + MySqlSessionChecks.OTHER_SCHEMA + ".* TO '" + sandbox.user() + "'@'%'");
            st.execute("GRANT ALL ON " + MySqlSessionChecks.OTHER_SCHEMA + ".* TO '" + ProxiedMariaDb.TOKEN_USER
                    + "'@'%'");
            st.execute("CREATE USER " + MySqlEd25519IT.USER + "@'%' IDENTIFIED VIA ed25519 USING PASSWORD('"
                    + MySqlEd25519IT.PASSWORD + "')");
            st.execute("GRANT ALL ON " + sandbox.database() + ".* TO " + MySqlEd25519IT.USER + "@'%'");
            st.execute("GRANT ALL ON " + MySqlSessionChecks.OTHER_SCHEMA + ".* TO " + MySqlEd25519IT.USER + "@'%'");
            st.execute("CREATE TABLE " + sandbox.database() + ".switchover_it (id BIGINT PRIMARY KEY, "
                    + "writer INT NOT NULL, server_id INT NOT NULL)");
        }
    }

    @Test
    @Order(1)
    void switchoverUnderWriteLoadShowsNoErrorAndLosesNoCommit() throws Exception {
        String first = topology().primary().orElseThrow().name();
        String second = topology().replicas().get(0).name();
        long firstId = serverId(first);
        long secondId = serverId(second);
        List<MySqlSessionChecks.Prepared> idle = idleSessions();
        HikariDataSource pool = MySqlSessionChecks.warmPool(cluster);
        Connection lingering = cluster.mysql(cluster.writerPort(), "");
        lingering.setAutoCommit(false);
        try (Statement st = lingering.createStatement()) {
            st.execute("INSERT INTO switchover_it (id, writer, server_id) VALUES (-1, -1, @@server_id)");
        }
        // A session that changed user (COM_CHANGE_USER) moves as the user it became.
        MySqlRawClient changed = new MySqlRawClient(cluster.writerPort(), 30_000);
        assertEquals(0, changed.loginAnswer(cluster.sandbox().user(), cluster.sandbox().password())[0]);
        assertEquals(0, changed.changeUser(ProxiedMariaDb.CONFIG_USER, ProxiedMariaDb.CONFIG_PASSWORD,
                cluster.sandbox().database())[0]);
        Load load = new Load();
        load.start();
        try {
            load.awaitAcks(100, Duration.ofSeconds(30));
            long epochBefore = topology().epoch();

            SwitchoverJson.View there = switchoverSeenInTopology(second);
            assertEquals("completed", there.outcome(), there.message());
            assertEquals(first, there.oldPrimary());
            assertEquals(second, there.newPrimary());
            assertEquals("replica", there.formerPrimary(), there.message());
            assertTrue(there.pauseMillis() >= 0 && there.pauseMillis() < 20_000, "pause " + there.pauseMillis());
            System.out.println("switchover " + first + " -> " + second + ": writes held " + there.pauseMillis()
                    + " ms, " + there.durationMillis() + " ms in all; steps " + there.steps());
            assertTrue(topology().epoch() > epochBefore, "a new primary raises the epoch");
            load.awaitAcksOn(secondId, Duration.ofSeconds(30));
            for (MySqlSessionChecks.Prepared p : idle) {
                MySqlSessionChecks.idleSessionSurvived(p, secondId);
            }
            MySqlSessionChecks.poolSurvived(pool, secondId);
            transactionLostThenUsable(lingering, secondId);
            assertEquals(Long.toString(secondId), changed.ask("SELECT @@server_id"));
            assertTrue(changed.ask("SELECT CURRENT_USER()").startsWith(ProxiedMariaDb.CONFIG_USER + "@"));
            formerPrimaryReplicates(first, second);

            idle = idleSessions();
            SwitchoverJson.View back = switchover(first);
            assertEquals("completed", back.outcome(), back.message());
            assertEquals(first, back.newPrimary());
            assertEquals("replica", back.formerPrimary(), back.message());
            System.out.println("switchover " + second + " -> " + first + ": writes held " + back.pauseMillis()
                    + " ms, " + back.durationMillis() + " ms in all");
            load.awaitAcksOn(firstId, Duration.ofSeconds(30));
            for (MySqlSessionChecks.Prepared p : idle) {
                MySqlSessionChecks.idleSessionSurvived(p, firstId);
            }
            MySqlSessionChecks.poolSurvived(pool, firstId);
            formerPrimaryReplicates(second, first);
        } finally {
            load.stop();
            pool.close();
            changed.close();
        }
        assertEquals(List.of(), load.errors, "no client saw an error");
        assertTrue(load.acked.size() > 200, "the writers kept writing: " + load.acked.size());
        Map<Long, Long> rows = rowsOn(first);
        List<Long> lost = load.acked.keySet().stream().filter(id -> !rows.containsKey(id)).sorted().toList();
        assertEquals(List.of(), lost, "every acknowledged insert is on the primary");
        for (Map.Entry<Long, Long> acked : load.acked.entrySet()) {
            if (acked.getValue() >= 0) {
                assertEquals(acked.getValue(), rows.get(acked.getKey()), "row " + acked.getKey()
                        + " was written on the server its session was on");
            }
        }
        Set<Long> writtenOn = new HashSet<>(load.acked.values());
        assertTrue(writtenOn.contains(secondId), "writes landed on " + second + " while it was the primary");
        assertTrue(writtenOn.contains(firstId), "writes landed on " + first);
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            assertTrue(load.serverIdsSeen.get(writer).containsAll(List.of(firstId, secondId)), "writer " + writer
                    + " (" + Load.driver(writer) + ") followed the primary on one connection: "
                    + load.serverIdsSeen.get(writer));
        }
    }

    @Test
    @Order(2)
    void refusesUnknownNamesAndIneligibleTargetsWithoutChangingAnything() throws Exception {
        String primary = topology().primary().orElseThrow().name();
        long epoch = topology().epoch();

        HttpResponse<String> unknown = post("main", "my9");
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertTrue(SwitchoverJson.parse(unknown.body()).message().contains("no instance 'my9'"), unknown.body());
        HttpResponse<String> noCluster = post("nope", null);
        assertEquals(404, noCluster.statusCode(), noCluster.body());
        HttpResponse<String> self = post("main", primary);
        assertEquals(409, self.statusCode(), self.body());
        assertTrue(self.body().contains("already the primary"), self.body());

        // A replica that stops answering is not a healthy replica: it is never promoted on purpose.
        String silent = topology().replicas().get(0).name();
        cluster.sandbox().pause(silent);
        try {
            assertTrue(poll(Duration.ofSeconds(30), () -> topology().instance(silent).orElseThrow().role()
                    == Role.DOWN), silent + " is seen down: " + topology());
            HttpResponse<String> down = post("main", silent);
            assertEquals(409, down.statusCode(), down.body());
            String message = SwitchoverJson.parse(down.body()).message();
            assertTrue(message.contains(silent + " is not a healthy replica"), message);
        } finally {
            cluster.sandbox().resume(silent);
        }
        assertTrue(poll(Duration.ofSeconds(30), () -> topology().instance(silent).orElseThrow().role()
                == Role.REPLICA), silent + " is a replica again: " + topology());
        assertEquals(primary, topology().primary().orElseThrow().name(), "nothing changed");
        assertEquals(epoch, topology().epoch());
        try (Connection c = cluster.mariadb(cluster.writerPort(), ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@server_id, @@read_only")) {
            rs.next();
            assertEquals(serverId(primary), rs.getLong(1), "the writer endpoint stays on " + primary);
            assertEquals(0, rs.getInt(2));
        }
    }

    @Test
    @Order(3)
    void candidateThatCannotCatchUpRollsBackAndTheOldPrimaryStays() throws Exception {
        String primary = topology().primary().orElseThrow().name();
        String behind = topology().replicas().get(0).name();
        long epoch = topology().epoch();
        long primaryId = serverId(primary);
        Connection idle = cluster.mariadb(cluster.writerPort(), "useServerPrepStmts=true");
        try (Connection c = cluster.admin(cluster.sandbox().instance(behind)); Statement st = c.createStatement()) {
            st.execute("STOP SLAVE SQL_THREAD");
        }
        try {
            try (Statement st = idle.createStatement()) {
                st.execute("INSERT INTO switchover_it (id, writer, server_id) VALUES (-2, -2, @@server_id)");
            }
            HttpResponse<String> response = post("main", behind);
            assertEquals(500, response.statusCode(), response.body());
            SwitchoverJson.View view = SwitchoverJson.parse(response.body());
            assertEquals("rolled-back", view.outcome(), view.message());
            assertEquals(primary, view.newPrimary());
            assertTrue(view.message().contains("failed at step catch-up") && view.message().contains(behind
                    + " applied up to"), view.message());
            assertTrue(view.message().contains(primary + " is writable again"), view.message());
        } finally {
            try (Connection c = cluster.admin(cluster.sandbox().instance(behind)); Statement st = c.createStatement()) {
                st.execute("START SLAVE SQL_THREAD");
            }
        }
        // Several probe rounds later the old primary is still the primary: read-only for a while, never fenced.
        Thread.sleep(1_500);
        assertEquals(primary, topology().primary().map(i -> i.name()).orElse(null), "still the primary: "
                + topology());
        assertEquals(epoch, topology().epoch());
        try (Statement st = idle.createStatement()) {
            st.execute("INSERT INTO switchover_it (id, writer, server_id) VALUES (-3, -3, @@server_id)");
            try (ResultSet rs = st.executeQuery("SELECT @@server_id, @@read_only")) {
                rs.next();
                assertEquals(primaryId, rs.getLong(1), "the idle session went on on " + primary);
                assertEquals(0, rs.getInt(2), primary + " is writable again");
            }
        }
        idle.close();
    }

    /** The transaction left open past the drain was given up: 1213/40001 until rolled back, then usable. */
    private static void transactionLostThenUsable(Connection c, long newServerId) throws SQLException {
        SQLException lost = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO switchover_it (id, writer, server_id) VALUES (-4, -4, @@server_id)");
            }
        });
        assertEquals("40001", lost.getSQLState(), lost.getMessage());
        assertEquals(1213, lost.getErrorCode(), lost.getMessage());
        assertTrue(lost.getMessage().contains("switchover"), lost.getMessage());
        c.rollback();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@server_id, (SELECT COUNT(*) FROM switchover_it WHERE id < 0)")) {
            rs.next();
            assertEquals(newServerId, rs.getLong(1), "after the rollback the session works on the new primary");
            assertEquals(0, rs.getInt(2), "the lost transaction's row is nowhere");
        }
        c.close();
    }

    private static List<MySqlSessionChecks.Prepared> idleSessions() throws SQLException {
        return List.of(
                MySqlSessionChecks.prepared("MariaDB Connector/J", cluster.mariadb(cluster.writerPort(),
                        "useServerPrepStmts=true&cachePrepStmts=false")),
                MySqlSessionChecks.prepared("MySQL Connector/J", cluster.mysql(cluster.writerPort(),
                        "useServerPrepStmts=true")),
                MySqlSessionChecks.prepared("MariaDB Connector/J with a login token", tokenSession()),
                MySqlSessionChecks.prepared("MariaDB Connector/J as an ed25519 account", ed25519Session()));
    }

    /** A session of an ed25519 account over TLS: the proxy moves it with SHA512 of the password. */
    private static Connection ed25519Session() throws SQLException {
        return java.sql.DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(),
                "useServerPrepStmts=true&cachePrepStmts=false&sslMode=trust&connectTimeout=10000"),
                MySqlEd25519IT.USER, MySqlEd25519IT.PASSWORD);
    }

    /** A session of the token user over TLS: the proxy moves it with the user's configured password. */
    private static Connection tokenSession() throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", ProxiedMariaDb.TOKEN_USER);
        p.setProperty("password", cluster.token(ProxiedMariaDb.TOKEN_USER, Duration.ofMinutes(15),
                java.time.Instant.now()));
        p.setProperty("connectTimeout", "10000");
        return java.sql.DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(),
                "useServerPrepStmts=true&cachePrepStmts=false&sslMode=trust"), p);
    }

    /**
     * Inserts through the writer endpoint from {@link #WRITERS} sessions, each on one connection for
     * the whole test: every third round a two-row transaction, else one autocommit insert. Each row
     * records the server it was written on, as the session saw it; an id is acknowledged once its
     * insert (or its transaction's commit) returned.
     */
    private static final class Load {
        final Map<Long, Long> acked = new ConcurrentHashMap<>();
        final List<String> errors = new CopyOnWriteArrayList<>();
        final List<Set<Long>> serverIdsSeen = new ArrayList<>();
        private final AtomicLong nextId = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        static String driver(int writer) {
            return switch (writer % 4) {
                case 0 -> "MariaDB Connector/J, server-side prepared";
                case 1 -> "MariaDB Connector/J";
                case 2 -> "MySQL Connector/J, server-side prepared";
                default -> "MySQL Connector/J";
            };
        }

        private static Connection connect(int writer) throws SQLException {
            return switch (writer % 4) {
                case 0 -> cluster.mariadb(cluster.writerPort(), "useServerPrepStmts=true");
                case 1 -> cluster.mariadb(cluster.writerPort(), "");
                case 2 -> cluster.mysql(cluster.writerPort(), "useServerPrepStmts=true");
                default -> cluster.mysql(cluster.writerPort(), "");
            };
        }

        void start() {
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                serverIdsSeen.add(ConcurrentHashMap.newKeySet());
                Thread thread = new Thread(() -> run(writer), "switchover-writer-" + w);
                threads.add(thread);
                thread.start();
            }
        }

        private void run(int writer) {
            try (Connection c = connect(writer); PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO switchover_it (id, writer, server_id) VALUES (?, ?, @@server_id)");
                 PreparedStatement where = c.prepareStatement("SELECT @@server_id")) {
                long round = 0;
                while (running.get()) {
                    round++;
                    List<Long> ids = new ArrayList<>();
                    try {
                        boolean transaction = round % 3 == 0;
                        if (transaction) {
                            c.setAutoCommit(false);
                        }
                        long serverId = serverId(where);
                        for (int i = 0; i < (transaction ? 2 : 1); i++) {
                            long id = nextId.incrementAndGet();
                            insert.setLong(1, id);
                            insert.setInt(2, writer);
                            insert.executeUpdate();
                            ids.add(id);
                        }
                        if (transaction) {
                            c.commit();
                            c.setAutoCommit(true);
                        }
                        // The server these rows went to, when the session was on the same one before and
                        // after (it may move between statements; -1 when it did).
                        long on = serverId == serverId(where) ? serverId : -1;
                        if (on >= 0) {
                            serverIdsSeen.get(writer).add(on);
                        }
                        for (long id : ids) {
                            acked.put(id, on);
                        }
                    } catch (SQLException e) {
                        errors.add(driver(writer) + ", ids " + ids + ": " + e.getErrorCode() + " " + e.getSQLState()
                                + " " + e.getMessage());
                        return;
                    }
                    Thread.sleep(2);
                }
            } catch (SQLException e) {
                errors.add(driver(writer) + ": connection: " + e.getErrorCode() + " " + e.getSQLState() + " "
                        + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static long serverId(PreparedStatement where) throws SQLException {
            try (ResultSet rs = where.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }

        void awaitAcks(int count, Duration timeout) throws Exception {
            assertTrue(poll(timeout, () -> acked.size() >= count || !errors.isEmpty()), "the writers run");
            assertEquals(List.of(), errors);
        }

        /** Every writer has written on the server {@code serverId}. */
        void awaitAcksOn(long serverId, Duration timeout) throws Exception {
            assertTrue(poll(timeout, () -> serverIdsSeen.stream().allMatch(s -> s.contains(serverId))
                    || !errors.isEmpty()), "every writer reached server " + serverId + ": " + serverIdsSeen);
            assertEquals(List.of(), errors);
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
        }
    }

    /** The former primary replicates from the new one, read-only, is a replica in the topology and serves reads. */
    private static void formerPrimaryReplicates(String former, String primary) throws Exception {
        MariaDbSandbox.Instance instance = cluster.sandbox().instance(former);
        int primaryPort = cluster.sandbox().instance(primary).port();
        assertTrue(poll(Duration.ofSeconds(30), () -> topology().instance(former)
                .map(i -> i.role() == Role.REPLICA && i.lagMillis() >= 0).orElse(false)), former
                + " is a replica: " + topology());
        try (Connection c = cluster.admin(instance); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT @@read_only")) {
                rs.next();
                assertEquals(1, rs.getInt(1), former + " is read-only");
            }
            try (ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
                assertTrue(rs.next(), former + " replicates");
                assertEquals(primaryPort, rs.getInt("Master_Port"), former + " replicates from " + primary);
            }
        }
        long formerId = serverId(former);
        assertTrue(poll(Duration.ofSeconds(30), () -> {
            try (Connection c = cluster.mariadb(cluster.readerPort(), ""); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT @@server_id")) {
                rs.next();
                return rs.getLong(1) == formerId;
            }
        }), "the reader endpoint reaches " + former);
    }

    private static SwitchoverJson.View switchoverSeenInTopology(String target) throws Exception {
        return SwitchoverRequests.switchoverSeenInTopology(cluster.server().adminPort(), "main", target);
    }

    private static SwitchoverJson.View switchover(String target) throws Exception {
        return SwitchoverRequests.switchover(cluster.server().adminPort(), "main", target);
    }

    private static HttpResponse<String> post(String clusterName, String target) throws Exception {
        return SwitchoverRequests.post(cluster.server().adminPort(), clusterName, target);
    }




    /** Every row of the test table on {@code name}, read directly: id → the server it was written on. */
    private static Map<Long, Long> rowsOn(String name) throws SQLException {
        Map<Long, Long> rows = new java.util.HashMap<>();
        try (Connection c = cluster.admin(cluster.sandbox().instance(name)); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, server_id FROM " + cluster.sandbox().database()
                     + ".switchover_it")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return rows;
    }

    private static long serverId(String name) throws SQLException {
        try (Connection c = cluster.admin(cluster.sandbox().instance(name)); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Topology topology() {
        return cluster.server().topology("main").current();
    }

}
