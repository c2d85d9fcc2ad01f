package io.auriga.sandbox.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.sandbox.pg.PgSandbox.Instance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failover done by hand (promote a replica with {@code pg_promote}, repoint the other one, fence
 * the old primary as the proxy does), then {@link PgSandbox#rejoin}: the former primary must come
 * back as a standby of the new primary, whatever state it was left in (crashed and restarted as a
 * fenced primary, crashed and left down, or fenced and stopped cleanly). Skipped when the machine
 * has no PostgreSQL server binaries.
 */
class PgSandboxRejoinIT {

    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(30);

    @BeforeAll
    static void requireBinaries() {
        assumeTrue(PgBinaries.find().isPresent(), "no PostgreSQL server binaries on this machine");
    }

    @Test
    void crashedFormerPrimaryRestartedAndFencedRejoinsAsAStreamingReplica(@TempDir Path dir) throws Exception {
        try (PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(dir).replicas(2).build()).start()) {
            Instance pg1 = sandbox.instance("pg1");
            Instance pg2 = sandbox.instance("pg2");
            Instance pg3 = sandbox.instance("pg3");
            execApp(sandbox, pg1, "CREATE TABLE item (id int PRIMARY KEY, note text NOT NULL)",
                    "INSERT INTO item VALUES (1, 'before the failover')");
            awaitItem(sandbox, pg2, 1);
            awaitItem(sandbox, pg3, 1);

            promote(sandbox, pg2);
            repoint(sandbox, pg3, pg2);
            execApp(sandbox, pg2, "INSERT INTO item VALUES (2, 'after the promotion')");
            sandbox.kill("pg1");
            execApp(sandbox, pg2, "INSERT INTO item VALUES (3, 'while pg1 was down')");

            // pg1 comes back on its old timeline, takes a write nobody else sees, and is fenced.
            sandbox.startInstance("pg1");
            execApp(sandbox, pg1, "INSERT INTO item VALUES (99, 'lost: written on the old timeline')");
            fence(sandbox, pg1);
            assertThrows(SQLException.class, () -> execApp(sandbox, pg1, "INSERT INTO item VALUES (100, 'refused')"));

            sandbox.rejoin("pg1", "pg2");

            assertStandbyOf(sandbox, pg1, pg2);
            execApp(sandbox, pg2, "INSERT INTO item VALUES (4, 'after the rejoin')");
            awaitItem(sandbox, pg1, 4);
            assertEquals(List.of(1, 2, 3, 4), itemIds(sandbox, pg1), "the divergent write 99 is rewound away");
            awaitItem(sandbox, pg3, 4);
            assertEquals(Optional.of(pg2), sandbox.currentPrimary());
            assertEquals(pg1, sandbox.primary(), "primary() names the instance provisioned as primary");
            assertTrue(Files.readString(pg1.dataDir().resolve(PgConfigFiles.INSTANCE_CONF))
                    .contains("port = " + pg1.port()), "pg1 keeps its own port after pg_rewind copied pg2's files");
        }
    }

    @Test
    void killedFormerPrimaryLeftDownRejoinsAfterCrashRecovery(@TempDir Path dir) throws Exception {
        try (PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(dir).replicas(1).build()).start()) {
            Instance pg1 = sandbox.instance("pg1");
            Instance pg2 = sandbox.instance("pg2");
            execApp(sandbox, pg1, "CREATE TABLE item (id int PRIMARY KEY, note text NOT NULL)",
                    "INSERT INTO item VALUES (1, 'before the failover')");
            awaitItem(sandbox, pg2, 1);

            promote(sandbox, pg2);
            execApp(sandbox, pg2, "INSERT INTO item VALUES (2, 'after the promotion')");
            execApp(sandbox, pg1, "INSERT INTO item VALUES (99, 'lost: written on the old timeline')");
            sandbox.kill("pg1");
            execApp(sandbox, pg2, "INSERT INTO item VALUES (3, 'while pg1 was down')");
            assertFalse(sandbox.isRunning("pg1"));

            sandbox.rejoin("pg1", "pg2");

            assertStandbyOf(sandbox, pg1, pg2);
            execApp(sandbox, pg2, "INSERT INTO item VALUES (4, 'after the rejoin')");
            awaitItem(sandbox, pg1, 4);
            assertEquals(List.of(1, 2, 3, 4), itemIds(sandbox, pg1));
        }
    }

    @Test
    void cleanlyStoppedFencedFormerPrimaryRejoinsAndKeepsItsRoleWhenTheSandboxIsStartedAgain(@TempDir Path dir) throws Exception {
        try (PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(dir).replicas(1).build()).start()) {
            Instance pg1 = sandbox.instance("pg1");
            Instance pg2 = sandbox.instance("pg2");
            execApp(sandbox, pg1, "CREATE TABLE item (id int PRIMARY KEY, note text NOT NULL)",
                    "INSERT INTO item VALUES (1, 'before the switchover')");
            awaitItem(sandbox, pg2, 1);

            // A planned switchover: pg1 fenced and stopped first (pg2 then holds all of its WAL), so
            // pg_rewind has nothing to undo and the fence in pg1's own postgresql.auto.conf remains.
            fence(sandbox, pg1);
            sandbox.stop("pg1");
            promote(sandbox, pg2);
            execApp(sandbox, pg2, "INSERT INTO item VALUES (2, 'after the promotion')");

            sandbox.rejoin("pg1", "pg2");

            assertStandbyOf(sandbox, pg1, pg2);
            execApp(sandbox, pg2, "INSERT INTO item VALUES (3, 'after the rejoin')");
            awaitItem(sandbox, pg1, 3);
            assertEquals(List.of(1, 2, 3), itemIds(sandbox, pg1));
            assertEquals(Optional.of(pg2), sandbox.currentPrimary());
        }
        // Roles live in the data directories: started again, the sandbox keeps pg2 primary, pg1 its standby.
        try (PgSandbox again = new PgSandbox(PgSandboxOptions.builder(dir).replicas(1).build()).start()) {
            Instance pg1 = again.instance("pg1");
            Instance pg2 = again.instance("pg2");
            assertEquals(Optional.of(pg2), again.currentPrimary());
            try (Connection c = admin(again, pg2)) {
                assertTrue(SandboxSql.awaitStreaming(c, pg1.name(), REPLICATION_WAIT), "pg1 streams after a re-run");
            }
            execApp(again, pg2, "INSERT INTO item VALUES (4, 'after a re-run')");
            awaitItem(again, pg1, 4);
        }
    }

    /** In recovery, not fenced, streaming from {@code primary} under its own name, without stale slots. */
    private static void assertStandbyOf(PgSandbox sandbox, Instance standby, Instance primary) throws SQLException {
        try (Connection c = admin(sandbox, standby); Statement st = c.createStatement()) {
            assertEquals("t", single(st, "SELECT pg_is_in_recovery()"), standby.name() + " in recovery");
            assertEquals("off", single(st, "SHOW default_transaction_read_only"), standby.name() + " is not fenced");
            assertEquals("0", single(st, "SELECT count(*) FROM pg_replication_slots"), "slots left on " + standby.name());
            assertEquals("streaming", single(st, "SELECT status FROM pg_stat_wal_receiver"));
        }
        try (Connection c = admin(sandbox, primary);
             PreparedStatement st = c.prepareStatement("SELECT state FROM pg_stat_replication WHERE application_name = ?")) {
            st.setString(1, standby.name());
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next(), standby.name() + " missing from pg_stat_replication of " + primary.name());
                assertEquals("streaming", rs.getString(1));
            }
        }
    }

    private static void promote(PgSandbox sandbox, Instance replica) throws SQLException {
        try (Connection c = admin(sandbox, replica); Statement st = c.createStatement()) {
            assertEquals("t", single(st, "SELECT pg_promote(true, 30)"), replica.name() + " promoted");
        }
    }

    /** What the failover does to the other replicas: a slot on the new primary, then ALTER SYSTEM and a reload. */
    private static void repoint(PgSandbox sandbox, Instance replica, Instance newPrimary) throws Exception {
        try (Connection c = admin(sandbox, newPrimary); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_physical_replication_slot('" + replica.name() + "', true)");
        }
        String conninfo = PgConfigFiles.primaryConninfo(newPrimary.port(), sandbox.adminUser(),
                sandbox.adminPassword(), replica.name());
        try (Connection c = admin(sandbox, replica); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET primary_conninfo = '" + conninfo.replace("'", "''") + "'");
            st.execute("ALTER SYSTEM SET primary_slot_name = '" + replica.name() + "'");
            st.execute("SELECT pg_reload_conf()");
        }
        try (Connection c = admin(sandbox, newPrimary)) {
            assertTrue(SandboxSql.awaitStreaming(c, replica.name(), REPLICATION_WAIT),
                    replica.name() + " streams from " + newPrimary.name());
        }
    }

    /**
     * The failover's fence: read-only by default, through ALTER SYSTEM and a reload. Returns once new
     * sessions see it (the reload is only signalled).
     */
    private static void fence(PgSandbox sandbox, Instance former) throws Exception {
        try (Connection c = admin(sandbox, former); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET default_transaction_read_only = on");
            st.execute("SELECT pg_reload_conf()");
        }
        long deadline = System.nanoTime() + REPLICATION_WAIT.toNanos();
        while (true) {
            try (Connection c = admin(sandbox, former); Statement st = c.createStatement()) {
                if ("on".equals(single(st, "SHOW default_transaction_read_only"))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(former.name() + " not read-only within " + REPLICATION_WAIT);
            }
            Thread.sleep(50);
        }
    }

    private static void execApp(PgSandbox sandbox, Instance instance, String... statements) throws SQLException {
        try (Connection c = app(sandbox, instance); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    private static List<Integer> itemIds(PgSandbox sandbox, Instance instance) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Connection c = app(sandbox, instance); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM item ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }

    /** Polls {@code instance} until item {@code id} is visible; fails at the deadline. */
    private static void awaitItem(PgSandbox sandbox, Instance instance, int id) throws Exception {
        long deadline = System.nanoTime() + REPLICATION_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = app(sandbox, instance);
                 PreparedStatement st = c.prepareStatement("SELECT 1 FROM item WHERE id = ?")) {
                st.setInt(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            } catch (SQLException e) {
                // the table itself may not have been replayed yet (42P01); poll again
                if (!"42P01".equals(e.getSQLState())) {
                    throw e;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("item " + id + " not visible on " + instance.name() + " within " + REPLICATION_WAIT);
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), "no row from " + sql);
            return rs.getString(1);
        }
    }

    private static Connection app(PgSandbox sandbox, Instance instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(instance, sandbox.database()), sandbox.user(),
                sandbox.password());
    }

    private static Connection admin(PgSandbox sandbox, Instance instance) throws SQLException {
        return DriverManager.getConnection(sandbox.jdbcUrl(instance, "postgres"), sandbox.adminUser(),
                sandbox.adminPassword());
    }
}
