package io.auriga.mysql.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.testing.BackendReuse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Backend connections kept for reuse on the writer endpoint ({@code mysql.pool-size}): a client that
 * logs in as one who just left gets that backend connection, and finds nothing of the earlier
 * session in it (variables, temporary tables, locks, an open transaction); other logins never get it;
 * a kept connection the server closed is not handed out; with {@code pool-size: 0} every client gets a
 * new backend connection.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlBackendPoolIT {
    private static final Duration REUSE_WAIT = Duration.ofSeconds(10);

    @Test
    void theNextClientGetsTheConnectionResetAndNothingOfTheEarlierSessionLeaks(ProxiedMariaDb cluster)
            throws Exception {
        try (Connection setup = cluster.mariadb(cluster.writerPort(), ""); Statement st = setup.createStatement()) {
            st.execute("CREATE OR REPLACE TABLE pool_it (id INT PRIMARY KEY)");
        }
        long thread;
        try (Connection first = cluster.mariadb(cluster.writerPort(), ""); Statement st = first.createStatement()) {
            thread = scalar(st, "SELECT CONNECTION_ID()");
            // The check of the character set below tells a restored login from a reset to the defaults.
            assertNotEquals("utf8mb4", text(st, "SELECT @@global.character_set_client"));
            st.execute("SET @left_behind = 42");
            st.execute("SET SESSION sql_mode = 'ANSI_QUOTES'");
            st.execute("CREATE TEMPORARY TABLE pool_scratch (a INT)");
            assertEquals(1, scalar(st, "SELECT GET_LOCK('pool_it_lock', 0)"));
            first.setAutoCommit(false);
            st.execute("INSERT INTO pool_it VALUES (1)");
            // Closed inside the transaction: the row must never be committed by the next client.
        }
        try (Connection next = reuse(cluster, thread); Statement st = next.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT @left_behind, @@session.sql_mode,"
                    + " DATABASE(), @@character_set_client, IS_FREE_LOCK('pool_it_lock')")) {
                assertTrue(rs.next());
                assertNull(rs.getObject(1), "user variables are cleared");
                assertEquals(directSqlMode(cluster), rs.getString(2), "session variables are as a new login has them");
                assertEquals(cluster.sandbox().database(), rs.getString(3), "the login's schema");
                assertEquals("utf8mb4", rs.getString(4), "the login's character set, not the server's default");
                assertEquals(1, rs.getInt(5), "locks of the earlier session are released");
            }
            SQLException gone = assertThrows(SQLException.class, () -> st.executeQuery("SELECT * FROM pool_scratch"));
            assertEquals(1146, gone.getErrorCode(), "temporary tables are dropped: " + gone);
            assertEquals(0, scalar(st, "SELECT COUNT(*) FROM pool_it"), "the left transaction was rolled back");
            st.execute("INSERT INTO pool_it VALUES (2)");
            assertEquals(1, scalar(st, "SELECT COUNT(*) FROM pool_it"), "the reused connection works");
        }
    }

    @Test
    void anotherUserOrSchemaNeverGetsTheConnection(ProxiedMariaDb cluster) throws Exception {
        long thread;
        try (Connection first = cluster.mariadb(cluster.writerPort(), ""); Statement st = first.createStatement()) {
            thread = scalar(st, "SELECT CONNECTION_ID()");
        }
        Properties other = new Properties();
        other.setProperty("user", ProxiedMariaDb.CONFIG_USER);
        other.setProperty("password", ProxiedMariaDb.CONFIG_PASSWORD);
        for (int i = 0; i < 5; i++) {
            try (Connection c = DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(), ""), other);
                 Statement st = c.createStatement()) {
                assertNotEquals(thread, scalar(st, "SELECT CONNECTION_ID()"), "another user's connection");
                assertEquals(ProxiedMariaDb.CONFIG_USER, text(st, "SELECT SUBSTRING_INDEX(USER(), '@', 1)"));
            }
            try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + cluster.writerPort() + "/",
                    cluster.credentials()); Statement st = c.createStatement()) {
                assertNotEquals(thread, scalar(st, "SELECT CONNECTION_ID()"), "a login without the schema");
                assertNull(text(st, "SELECT DATABASE()"));
            }
        }
        // The connection is still kept for its own login.
        try (Connection back = reuse(cluster, thread)) {
            assertFalse(back.isClosed());
        }
    }

    @Test
    void aKeptConnectionTheServerClosedIsNotHandedOut(ProxiedMariaDb cluster) throws Exception {
        long thread;
        try (Connection first = cluster.mariadb(cluster.writerPort(), ""); Statement st = first.createStatement()) {
            thread = scalar(st, "SELECT CONNECTION_ID()");
        }
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        try (Connection admin = cluster.admin(cluster.sandbox().instance(primary)); Statement st = admin.createStatement()) {
            assertTrue(poll(REUSE_WAIT, () -> processExists(st, thread)), "the kept connection is open");
            st.execute("KILL CONNECTION " + thread);
        }
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.mariadb(cluster.writerPort(), ""); Statement st = c.createStatement()) {
                assertNotEquals(thread, scalar(st, "SELECT CONNECTION_ID()"));
                assertEquals(1, scalar(st, "SELECT 1"), "a new client is served, not failed");
            }
        }
    }

    /**
     * Eight threads connect, check that the session is clean, leave a mark and disconnect, as a
     * connect-per-request application does: every client is served, none finds another's mark, and
     * far fewer backend connections than clients serve them all.
     */
    @Test
    void connectPerRequestClientsShareConnectionsWithoutSeeingEachOther(ProxiedMariaDb cluster) throws Exception {
        int threads = 8;
        int perThread = 40;
        Set<Long> backendThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Queue<String> problems = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int worker = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        try (Connection c = cluster.mariadb(cluster.writerPort(), "");
                             Statement st = c.createStatement()) {
                            try (ResultSet rs = st.executeQuery("SELECT CONNECTION_ID(), @mark, @@autocommit")) {
                                rs.next();
                                backendThreads.add(rs.getLong(1));
                                if (rs.getObject(2) != null || rs.getInt(3) != 1) {
                                    problems.add("client " + worker + "/" + i + " found @mark=" + rs.getObject(2)
                                            + ", autocommit=" + rs.getInt(3));
                                }
                            }
                            st.execute("SET @mark = " + (worker * 1000 + i) + ", autocommit = 0");
                        } catch (SQLException e) {
                            problems.add("client " + worker + "/" + i + ": " + e);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(java.util.List.of(), java.util.List.copyOf(problems));
        assertTrue(backendThreads.size() < threads * perThread / 2, "connections were reused: "
                + backendThreads.size() + " backend connections for " + threads * perThread + " clients");
    }

    /**
     * A kept connection takes the server's global values as they are when a client gets it, as a new
     * connection would: a {@code SET GLOBAL} made after the last client left is seen by the next one.
     */
    @Test
    void aGlobalChangeMadeWhileTheConnectionWasKeptReachesTheNextClient(ProxiedMariaDb cluster) throws Exception {
        long thread;
        try (Connection first = cluster.mariadb(cluster.writerPort(), ""); Statement st = first.createStatement()) {
            thread = scalar(st, "SELECT CONNECTION_ID()");
        }
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        try (Connection admin = cluster.admin(cluster.sandbox().instance(primary));
             Statement st = admin.createStatement()) {
            assertTrue(poll(REUSE_WAIT, () -> processExists(st, thread)), "the kept connection is open");
            Thread.sleep(500); // the reset of the kept connection is long done
            String before = text(st, "SELECT @@global.sql_mode");
            assertNotEquals("", before);
            st.execute("SET GLOBAL sql_mode = ''");
            try (Connection next = reuse(cluster, thread); Statement n = next.createStatement()) {
                assertEquals(directSqlMode(cluster), text(n, "SELECT @@session.sql_mode"),
                        "the session took the old global value");
            } finally {
                st.execute("SET GLOBAL sql_mode = '" + before + "'");
            }
        }
    }

    @Test
    void withPoolSizeZeroEveryClientGetsANewConnection(ProxiedMariaDb cluster) throws Exception {
        Set<Long> threads = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            try (Connection c = cluster.mariadb(cluster.strictWriterPort(), ""); Statement st = c.createStatement()) {
                assertTrue(threads.add(scalar(st, "SELECT CONNECTION_ID()")), "a thread id came back: " + threads);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void anAccountTheServerHasBlockedSinceIsRefusedWithTheServersErrorEvenWithAKeptConnection(ProxiedMariaDb cluster)
            throws Exception {
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        String proxied = cluster.mariadbUrl(cluster.writerPort(), "");
        String direct = cluster.sandbox().jdbcUrl(cluster.sandbox().instance(primary), cluster.sandbox().database());
        try (Connection admin = cluster.admin(cluster.sandbox().instance(primary)); Statement st = admin.createStatement()) {
            st.execute("DROP USER IF EXISTS blocked_soon@'%'");
            st.execute("CREATE USER blocked_soon@'%' IDENTIFIED BY 'right'");
            st.execute("GRANT ALL ON " + cluster.sandbox().database() + ".* TO blocked_soon@'%'");
            st.execute("SET GLOBAL max_password_errors = 2");
            try {
                long thread;
                try (Connection first = DriverManager.getConnection(proxied, "blocked_soon", "right");
                     Statement own = first.createStatement()) {
                    thread = scalar(own, "SELECT CONNECTION_ID()");
                }
                assertTrue(poll(REUSE_WAIT, () -> scalar(st, "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                        + "WHERE ID = " + thread + " AND COMMAND = 'Sleep'") == 1), "its backend is kept");
                for (int i = 0; i < 2; i++) {
                    assertThrows(SQLException.class, () -> DriverManager.getConnection(direct, "blocked_soon", "wrong"));
                }
                SQLException directly = assertThrows(SQLException.class,
                        () -> DriverManager.getConnection(direct, "blocked_soon", "right"));
                assertEquals(4150, directly.getErrorCode(), "the server blocked the account: " + directly.getMessage());
                // Kept connections stay on their event loop: a few logins land on the one that holds it.
                for (int i = 0; i < 4; i++) {
                    SQLException through = assertThrows(SQLException.class,
                            () -> DriverManager.getConnection(proxied, "blocked_soon", "right"),
                            "the kept connection must not log a blocked account in");
                    assertEquals(4150, through.getErrorCode(), through.getMessage());
                    assertTrue(through.getMessage().contains("blocked"), through.getMessage());
                }
            } finally {
                st.execute("SET GLOBAL max_password_errors = DEFAULT");
                st.execute("FLUSH PRIVILEGES");
            }
        }
    }

    /** Connects until the client lands on backend thread {@code thread} (the reset runs after the first client left). */
    private static Connection reuse(ProxiedMariaDb cluster, long thread) throws Exception {
        return BackendReuse.await(REUSE_WAIT, () -> cluster.mariadb(cluster.writerPort(), ""), "SELECT CONNECTION_ID()",
                thread);
    }

    /**
     * The {@code sql_mode} a new session of the same driver gets on the primary directly: the global
     * value, with what the login's capability flags add (IGNORE_SPACE) and what the driver sets.
     */
    private static String directSqlMode(ProxiedMariaDb cluster) throws SQLException {
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        try (Connection direct = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:"
                + cluster.sandbox().instance(primary).port() + "/" + cluster.sandbox().database(),
                cluster.credentials());
             Statement st = direct.createStatement()) {
            return text(st, "SELECT @@session.sql_mode");
        }
    }

    private static boolean processExists(Statement st, long thread) throws SQLException {
        return scalar(st, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + thread) == 1;
    }

    private static long scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    private static String text(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }
}
