package io.auriga.pg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import java.nio.file.Path;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.core.BaseConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** pgjdbc through the writer and reader endpoints of a real primary with two replicas. */
@ExtendWith(ProxiedCluster.Extension.class)
class PgEndpointsIT {

    @Test
    void writerSessionsLandOnThePrimary(ProxiedCluster cluster) throws SQLException {
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.writer(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), inet_server_port()")) {
                rs.next();
                assertFalse(rs.getBoolean(1));
                assertEquals(cluster.sandbox().primary().port(), rs.getInt(2));
            }
        }
    }

    @Test
    void readerSessionsSpreadOverEveryReplica(ProxiedCluster cluster) throws SQLException {
        Set<Integer> ports = new HashSet<>();
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Connection c = cluster.reader();
                open.add(c);
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), inet_server_port()")) {
                    rs.next();
                    assertTrue(rs.getBoolean(1), "reader session on a primary");
                    ports.add(rs.getInt(2));
                }
            }
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
        assertEquals(Set.copyOf(cluster.replicaPorts()), ports);
    }

    @Test
    void writesThroughTheReaderFailLoudly(ProxiedCluster cluster) throws SQLException {
        try (Connection c = cluster.reader(); Statement st = c.createStatement()) {
            PSQLException e = assertThrows(PSQLException.class, () -> st.execute("CREATE TABLE nope (x int)"));
            assertEquals("25006", e.getSQLState());
        }
    }

    @Test
    void serverPreparedStatementsWorkOverTheExtendedProtocol(ProxiedCluster cluster) throws SQLException {
        try (Connection c = cluster.connect(cluster.writerPort(), "prepareThreshold=1");
             PreparedStatement ps = c.prepareStatement("SELECT ?::int * 2")) {
            for (int i = 0; i < 10; i++) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(i * 2, rs.getInt(1));
                }
            }
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_prepared_statements WHERE NOT from_sql")) {
                rs.next();
                assertTrue(rs.getInt(1) >= 1, "the statement was prepared on the server");
            }
        }
    }

    @Test
    void copyInAndOutRoundTrip(ProxiedCluster cluster) throws Exception {
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS copy_it; CREATE TABLE copy_it (id int, name text)");
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 20_000; i++) {
                rows.append(i).append('\t').append("name-").append(i).append('\n');
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            assertEquals(20_000, copy.copyIn("COPY copy_it FROM STDIN", new StringReader(rows.toString())));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(20_000, copy.copyOut("COPY (SELECT * FROM copy_it ORDER BY id) TO STDOUT", out));
            assertEquals(rows.toString(), out.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void listenNotifyCrossesTwoSessions(ProxiedCluster cluster) throws SQLException {
        try (Connection listener = cluster.writer(); Connection notifier = cluster.writer();
             Statement ls = listener.createStatement(); Statement ns = notifier.createStatement()) {
            ls.execute("LISTEN auriga_it");
            ns.execute("NOTIFY auriga_it, 'hello'");
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertNotNull(got);
            assertEquals(1, got.length);
            assertEquals("auriga_it", got[0].getName());
            assertEquals("hello", got[0].getParameter());
        }
    }

    @Test
    void cancelStopsALongQueryPromptly(ProxiedCluster cluster) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            long start = System.nanoTime();
            Future<?> running = executor.submit(() -> st.execute("SELECT pg_sleep(30)"));
            Thread.sleep(500);
            st.cancel();
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> running.get(10, TimeUnit.SECONDS));
            assertEquals("57014", ((SQLException) e.getCause()).getSQLState());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
            try (ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the session is usable after the cancel");
            }
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * The BackendKeyData names the backend itself, so an administrator's pg_cancel_backend (or
     * pg_terminate_backend) reaches the session as it would directly.
     */
    @Test
    void theClientIsToldItsBackendsProcessId(ProxiedCluster cluster) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection c = cluster.writer(); Statement st = c.createStatement();
             Connection admin = cluster.admin(cluster.sandbox().primary())) {
            int pid = c.unwrap(PGConnection.class).getBackendPID();
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                assertEquals(rs.getInt(1), pid, "BackendKeyData names the backend");
            }
            Future<?> running = executor.submit(() -> st.execute("SELECT pg_sleep(30)"));
            awaitActive(admin, pid);
            try (PreparedStatement cancel = admin.prepareStatement("SELECT pg_cancel_backend(?)")) {
                cancel.setInt(1, pid);
                try (ResultSet rs = cancel.executeQuery()) {
                    rs.next();
                    assertTrue(rs.getBoolean(1));
                }
            }
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> running.get(10, TimeUnit.SECONDS));
            assertEquals("57014", ((SQLException) e.getCause()).getSQLState());
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * pg_terminate_backend sends the same 57P01 as a shutdown, but the instance stays up: the
     * session ends as it would directly, rather than moving silently to a new backend.
     */
    @Test
    void anIdleSessionWhoseBackendIsTerminatedIsToldAndEnded(ProxiedCluster cluster) throws Exception {
        try (Connection c = cluster.writer(); Connection admin = cluster.admin(cluster.sandbox().primary())) {
            int pid = c.unwrap(PGConnection.class).getBackendPID();
            terminate(admin, pid);
            awaitGone(admin, pid);
            assertFalse(c.isValid(5), "a terminated session is no longer valid");
            PSQLException e = assertThrows(PSQLException.class, () -> c.createStatement().execute("SELECT 1"));
            assertTrue(c.isClosed() || "57P01".equals(e.getSQLState()) || "08003".equals(e.getSQLState()),
                    e.getSQLState() + " " + e.getMessage());
        }
    }

    @Test
    void aBusySessionWhoseBackendIsTerminatedGetsTheServersError(ProxiedCluster cluster) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection c = cluster.writer(); Statement st = c.createStatement();
             Connection admin = cluster.admin(cluster.sandbox().primary())) {
            int pid = c.unwrap(PGConnection.class).getBackendPID();
            Future<?> running = executor.submit(() -> st.execute("SELECT pg_sleep(30)"));
            awaitActive(admin, pid);
            terminate(admin, pid);
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> running.get(10, TimeUnit.SECONDS));
            PSQLException error = (PSQLException) e.getCause();
            assertEquals("57P01", error.getSQLState(), error.getMessage());
            assertTrue(error.getMessage().contains("terminating connection due to administrator command"),
                    error.getMessage());
        } finally {
            executor.shutdownNow();
        }
    }

    private static void terminate(Connection admin, int pid) throws SQLException {
        try (PreparedStatement terminate = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
            terminate.setInt(1, pid);
            try (ResultSet rs = terminate.executeQuery()) {
                rs.next();
                assertTrue(rs.getBoolean(1), "backend " + pid + " terminated");
            }
        }
    }

    private static void awaitGone(Connection admin, int pid) throws Exception {
        awaitCount(admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?", pid, 0);
    }

    private static void awaitActive(Connection admin, int pid) throws Exception {
        awaitCount(admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND state = 'active'", pid, 1);
    }

    private static void awaitCount(Connection admin, String sql, int pid, int expected) throws Exception {
        try (PreparedStatement ps = admin.prepareStatement(sql)) {
            ps.setInt(1, pid);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == expected) {
                        return;
                    }
                }
                assertTrue(System.nanoTime() < deadline, sql + " for " + pid + " never gave " + expected);
                Thread.sleep(50);
            }
        }
    }

    /**
     * pgjdbc, like libpq, takes the close of its cancel connection to mean the cancel has landed. A
     * cancel sent while nothing runs must then be spent: the next statement is never the one it hits.
     */
    @Test
    void aCancelNeverHitsTheStatementAfterIt(ProxiedCluster cluster) throws SQLException {
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            BaseConnection connection = c.unwrap(BaseConnection.class);
            for (int i = 0; i < 20; i++) {
                connection.cancelQuery();
                int cycle = i;
                try (ResultSet rs = st.executeQuery("SELECT pg_sleep(0.1)")) {
                    assertTrue(rs.next());
                } catch (PSQLException e) {
                    throw new AssertionError("cycle " + cycle + ": the statement after a cancel failed with "
                            + e.getSQLState(), e);
                }
            }
        }
    }

    @Test
    void serverErrorsReachTheClientIntact(ProxiedCluster cluster) throws SQLException {
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            PSQLException syntax = assertThrows(PSQLException.class, () -> st.execute("SELECT 1 FROM WHERE"));
            assertEquals("42601", syntax.getSQLState());
            assertEquals(15, syntax.getServerErrorMessage().getPosition());
            st.execute("DROP TABLE IF EXISTS errs_it; CREATE TABLE errs_it (id int PRIMARY KEY)");
            st.execute("INSERT INTO errs_it VALUES (1)");
            PSQLException dup = assertThrows(PSQLException.class, () -> st.execute("INSERT INTO errs_it VALUES (1)"));
            ServerErrorMessage m = dup.getServerErrorMessage();
            assertEquals("23505", m.getSQLState());
            assertEquals("Key (id)=(1) already exists.", m.getDetail());
            assertEquals("errs_it_pkey", m.getConstraint());
            assertEquals("22012", assertThrows(PSQLException.class, () -> st.execute("SELECT 1/0")).getSQLState());
        }
    }

    @Test
    void aHikariPoolWorksThroughTheWriter(ProxiedCluster cluster) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(cluster.url(cluster.writerPort(), ""));
        config.setUsername(cluster.sandbox().user());
        config.setPassword(cluster.sandbox().password());
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(10_000);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            ExecutorService executor = Executors.newFixedThreadPool(8);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                results.add(executor.submit(() -> {
                    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT ?::int")) {
                        ps.setInt(1, n);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getInt(1);
                        }
                    }
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(i, results.get(i).get(30, TimeUnit.SECONDS));
            }
            executor.shutdown();
        }
    }

    @Test
    void tlsWithFullVerificationAgainstTheProxyCa(ProxiedCluster cluster) throws SQLException {
        String extra = "sslmode=verify-full&sslrootcert=" + cluster.caCert();
        String url = "jdbc:postgresql://localhost:" + cluster.writerPort() + "/" + cluster.sandbox().database() + "?"
                + extra;
        try (Connection c = java.sql.DriverManager.getConnection(url, cluster.sandbox().user(),
                cluster.sandbox().password()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 42")) {
            rs.next();
            assertEquals(42, rs.getInt(1));
        }
    }

    @Test
    void directTlsWithoutAnSslRequest(ProxiedCluster cluster) throws SQLException {
        String url = "jdbc:postgresql://localhost:" + cluster.writerPort() + "/" + cluster.sandbox().database()
                + "?sslmode=verify-full&sslNegotiation=direct&sslrootcert=" + cluster.caCert();
        try (Connection c = java.sql.DriverManager.getConnection(url, cluster.sandbox().user(),
                cluster.sandbox().password()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            assertFalse(rs.getBoolean(1));
        }
    }

    @Test
    void tlsVerificationFailsAgainstAnotherCa(ProxiedCluster cluster, @TempDir Path otherCa) throws Exception {
        TlsFiles other = CertificateAuthority.ensure(otherCa, List.of("localhost"));
        String url = "jdbc:postgresql://localhost:" + cluster.writerPort() + "/auriga?sslmode=verify-full&sslrootcert="
                + other.caCert();
        SQLException e = assertThrows(SQLException.class,
                () -> java.sql.DriverManager.getConnection(url, "auriga", "auriga"));
        assertEquals("08006", e.getSQLState(), e.getMessage());
        assertTrue(String.valueOf(e.getCause()).contains("SSL") || e.getMessage().contains("SSL"), e.getMessage());
    }
}
