package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.PostgresOptions;
import io.auriga.core.testing.BackendReuse;
import io.auriga.core.topology.TopologyHolder;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Backend connections kept for reuse ({@code postgres.pool-size}): a client that logs in as one who
 * just left gets that backend, and finds nothing of the earlier session in it (settings, temporary
 * tables, prepared statements, advisory locks, LISTEN); one that left inside a transaction takes its
 * backend with it; a login with other startup parameters never gets it; with {@code pool-size: 0} every client gets a new
 * backend. Reuse stays invisible: a backend whose session used temporary objects is not kept (PostgreSQL
 * would refuse PREPARE TRANSACTION in it), nor one that started before defaults of its role or database
 * changed, and none blocks DROP DATABASE.
 */
@ExtendWith(ProxiedCluster.Extension.class)
class PgBackendPoolIT {
    private static final Duration REUSE_WAIT = Duration.ofSeconds(10);

    @Test
    void theNextClientGetsTheBackendResetAndNothingOfTheEarlierSessionLeaks(ProxiedCluster cluster)
            throws Exception {
        try (Connection setup = cluster.writer(); Statement st = setup.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS pool_it (id INT PRIMARY KEY)");
            st.execute("TRUNCATE pool_it");
        }
        int pid;
        try (Connection first = cluster.writer(); Statement st = first.createStatement()) {
            pid = scalar(st, "SELECT pg_backend_pid()");
            st.execute("SET work_mem = '7MB'");
            st.execute("SET search_path = pg_catalog");
            st.execute("PREPARE left_behind AS SELECT 1");
            st.execute("SELECT pg_advisory_lock(4242)");
            st.execute("LISTEN pool_it_channel");
        }
        try (Connection next = reuse(cluster, pid, ""); Statement st = next.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT setting = reset_val AND setting <> '7168' "
                    + "FROM pg_settings WHERE name = 'work_mem'")) {
                assertTrue(rs.next());
                assertTrue(rs.getBoolean(1), "settings are back to the login's");
            }
            assertEquals("\"$user\", public", text(st, "SHOW search_path"));
            assertEquals(0, scalar(st, "SELECT count(*) FROM pg_prepared_statements"), "prepared statements are gone");
            assertEquals(0, scalar(st, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = "
                    + "pg_backend_pid()"), "advisory locks are released");
            assertEquals(0, scalar(st, "SELECT count(*) FROM pg_listening_channels()"), "LISTEN is undone");
            st.execute("INSERT INTO pool_it VALUES (1)");
            assertEquals(1, scalar(st, "SELECT count(*) FROM pool_it"), "the reused backend works");
        }
    }

    @Test
    void aClientThatLeavesInsideATransactionTakesItsBackendWithIt(ProxiedCluster cluster) throws Exception {
        try (Connection setup = cluster.writer(); Statement st = setup.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS pool_tx_it (id INT PRIMARY KEY)");
        }
        int pid;
        try (Connection first = cluster.writer(); Statement st = first.createStatement()) {
            pid = scalar(st, "SELECT pg_backend_pid()");
            first.setAutoCommit(false);
            st.execute("INSERT INTO pool_tx_it VALUES (1)");
        }
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            assertTrue(poll(REUSE_WAIT, () -> scalar(st, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)
                    == 0), "the backend of a client that left inside a transaction ends");
        }
        try (Connection next = cluster.writer(); Statement st = next.createStatement()) {
            assertEquals(0, scalar(st, "SELECT count(*) FROM pool_tx_it"), "and its transaction was rolled back");
        }
    }

    @Test
    void aLoginWithOtherStartupParametersNeverGetsTheBackend(ProxiedCluster cluster) throws Exception {
        int pid;
        try (Connection first = cluster.writer(); Statement st = first.createStatement()) {
            pid = scalar(st, "SELECT pg_backend_pid()");
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            // Sent in the startup packet (pgjdbc sets application_name with a query after login).
            try (Connection other = cluster.connect(cluster.writerPort(), "options=-c%20statement_timeout%3D123456");
                 Statement st = other.createStatement()) {
                seen.add(scalar(st, "SELECT pg_backend_pid()"));
                assertEquals("123456ms", text(st, "SHOW statement_timeout"));
            }
        }
        assertFalse(seen.contains(pid), "a login with other startup options got backend " + pid);
        try (Connection same = reuse(cluster, pid, ""); Statement st = same.createStatement()) {
            assertEquals("0", text(st, "SHOW statement_timeout"));
        }
    }

    @Test
    void withPoolSizeZeroEveryClientGetsANewBackend() throws Exception {
        try (ProxiedCluster strict = ProxiedCluster.start(false,
                c -> c.withPostgres(PostgresOptions.DEFAULTS.withPoolSize(0)))) {
            Set<Integer> pids = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                try (Connection c = strict.writer(); Statement st = c.createStatement()) {
                    pids.add(scalar(st, "SELECT pg_backend_pid()"));
                }
            }
            assertEquals(5, pids.size(), "no backend was reused: " + pids);
        }
    }

    @Test
    void aBackendWhoseSessionUsedTemporaryObjectsIsNotKept(ProxiedCluster cluster) throws Exception {
        int pid;
        try (Connection first = cluster.writer(); Statement st = first.createStatement()) {
            pid = scalar(st, "SELECT pg_backend_pid()");
            st.execute("CREATE TEMPORARY TABLE pool_scratch (a INT)");
        }
        // Kept, it would live until the idle timeout (10 s).
        assertTrue(poll(Duration.ofSeconds(4), () -> !alive(cluster, pid)),
                "backend " + pid + " of a session that used a temporary table ends with its client");
    }

    @Test
    void defaultsSetThroughTheProxyReachTheNextClient(ProxiedCluster cluster) throws Exception {
        String user = cluster.sandbox().user();
        try {
            int pid;
            try (Connection first = cluster.writer(); Statement st = first.createStatement()) {
                pid = scalar(st, "SELECT pg_backend_pid()");
                st.execute("ALTER ROLE " + user + " SET lock_timeout = '4321s'");
            }
            for (int i = 0; i < 5; i++) {
                try (Connection next = cluster.writer(); Statement st = next.createStatement()) {
                    assertEquals("4321s", text(st, "SHOW lock_timeout"),
                            "a new session gets the role's new default, as directly");
                    assertTrue(scalar(st, "SELECT pg_backend_pid()") != pid, "the session that changed it is not kept");
                }
            }
        } finally {
            try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
                st.execute("ALTER ROLE " + user + " RESET lock_timeout");
            }
            awaitMonitorRounds(cluster);
        }
    }

    @Test
    void defaultsSetDirectlyEndTheKeptBackends(ProxiedCluster cluster) throws Exception {
        String user = cluster.sandbox().user();
        int pid;
        try (Connection first = cluster.writer(); Statement st = first.createStatement()) {
            pid = scalar(st, "SELECT pg_backend_pid()");
        }
        // Kept afresh now, it would live for the whole idle timeout (10 s).
        reuse(cluster, pid, "").close();
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            st.execute("ALTER ROLE " + user + " SET lock_timeout = '4322s'");
            try {
                assertTrue(poll(Duration.ofSeconds(4), () -> !alive(cluster, pid)),
                        "the monitor sees pg_db_role_setting change and the kept backend " + pid + " ends");
                try (Connection next = cluster.writer(); Statement check = next.createStatement()) {
                    assertEquals("4322s", text(check, "SHOW lock_timeout"));
                }
            } finally {
                st.execute("ALTER ROLE " + user + " RESET lock_timeout");
                awaitMonitorRounds(cluster);
            }
        }
    }

    @Test
    void aKeptBackendDoesNotBlockDropDatabase(ProxiedCluster cluster) throws Exception {
        String user = cluster.sandbox().user();
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS pool_dropped");
            st.execute("CREATE DATABASE pool_dropped OWNER " + user);
        }
        String url = "jdbc:postgresql://127.0.0.1:" + cluster.writerPort() + "/pool_dropped?sslmode=disable";
        try (Connection c = DriverManager.getConnection(url, user, cluster.sandbox().password());
             Statement st = c.createStatement()) {
            assertEquals(1, scalar(st, "SELECT 1"));
        }
        try (Connection other = cluster.writer(); Statement st = other.createStatement()) {
            // Directly this succeeds: no one is connected to the database any more.
            st.execute("/* cleanup */ drop  database pool_dropped");
        }
    }

    /**
     * Waits for two monitor rounds to end from now on, the second begun after the first ended: a change
     * of defaults made before has then been seen, and its kept backends closed, before the next test.
     */
    private static void awaitMonitorRounds(ProxiedCluster cluster) throws Exception {
        TopologyHolder holder = cluster.server().topology("main");
        Instant now = Instant.now();
        assertTrue(poll(REUSE_WAIT, () -> holder.current().at().isAfter(now)), "a monitor round ends");
        Instant first = holder.current().at();
        assertTrue(poll(REUSE_WAIT, () -> holder.current().at().isAfter(first)), "another monitor round ends");
    }

    private static boolean alive(ProxiedCluster cluster, int pid) throws SQLException {
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            return scalar(st, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) > 0;
        }
    }

    /** Logs in until a client gets backend {@code pid} again (another client may take it first). */
    private static Connection reuse(ProxiedCluster cluster, int pid, String extra) throws Exception {
        return BackendReuse.await(REUSE_WAIT, () -> cluster.connect(cluster.writerPort(), extra),
                "SELECT pg_backend_pid()", pid);
    }

    private static int scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static String text(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }
}
