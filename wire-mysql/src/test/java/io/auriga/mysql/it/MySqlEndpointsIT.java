package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MariaDB Connector/J and MySQL Connector/J, with their default authentication settings, through the
 * writer and reader endpoints of a real MariaDB primary with two replicas.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlEndpointsIT {

    private interface Connect {
        Connection to(ProxiedMariaDb cluster, int port, String extra) throws SQLException;
    }

    private static final Connect MARIADB = ProxiedMariaDb::mariadb;
    private static final Connect MYSQL = ProxiedMariaDb::mysql;

    @Test
    void writerSessionsLandOnThePrimaryWithEitherDriver(ProxiedMariaDb cluster) throws SQLException {
        long primaryId = serverId(cluster.admin(cluster.sandbox().primary()));
        for (Connect driver : List.of(MARIADB, MYSQL)) {
            for (int i = 0; i < 3; i++) {
                try (Connection c = driver.to(cluster, cluster.writerPort(), "");
                     Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT @@read_only, @@server_id, CURRENT_USER(), DATABASE()")) {
                    assertTrue(rs.next());
                    assertFalse(rs.getBoolean(1), "writer session on a read-only server");
                    assertEquals(primaryId, rs.getLong(2));
                    assertTrue(rs.getString(3).startsWith("auriga@"), rs.getString(3));
                    assertEquals("auriga", rs.getString(4));
                }
            }
        }
    }

    @Test
    void readerSessionsSpreadOverEveryReplica(ProxiedMariaDb cluster) throws SQLException {
        Set<Long> seen = new HashSet<>();
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < 22; i++) {
                Connection c = (i % 2 == 0 ? MARIADB : MYSQL).to(cluster, cluster.readerPort(), "");
                open.add(c);
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT @@read_only, @@server_id, @@session.tx_read_only")) {
                    assertTrue(rs.next());
                    assertTrue(rs.getBoolean(1), "reader session on a writable server");
                    assertTrue(rs.getBoolean(3), "reader session is not read-only");
                    seen.add(rs.getLong(2));
                }
            }
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
        assertEquals(Set.copyOf(cluster.replicaServerIds()), seen);
    }

    @Test
    void writesThroughTheReaderFailClearly(ProxiedMariaDb cluster) throws SQLException {
        for (Connect driver : List.of(MARIADB, MYSQL)) {
            try (Connection c = driver.to(cluster, cluster.readerPort(), ""); Statement st = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class,
                        () -> st.execute("CREATE TABLE reader_write (x int)"));
                assertTrue(e.getErrorCode() == 1792 || e.getErrorCode() == 1290, e.getErrorCode() + " " + e.getMessage());
                assertTrue(e.getMessage().toLowerCase().contains("read"), e.getMessage());
                // The session is still usable after the error.
                try (ResultSet rs = st.executeQuery("SELECT 1")) {
                    assertTrue(rs.next());
                }
            }
        }
    }

    /**
     * An account with ALL ON *.* holds READ ONLY ADMIN (MariaDB 10.11), so a replica's read_only does
     * not stop it: only the session flag does, and no form of lifting it gets through the reader,
     * alone, among other statements or prepared. Nothing reaches the replicas and their replication
     * goes on; the writer endpoint is unaffected.
     */
    @Test
    void noStatementLiftsReadOnlyThroughTheReader(ProxiedMariaDb cluster) throws Exception {
        String database = cluster.sandbox().database();
        try (Connection admin = cluster.admin(cluster.sandbox().primary()); Statement st = admin.createStatement()) {
            st.execute("DROP USER IF EXISTS all_privileges@'%'");
            st.execute("CREATE USER all_privileges@'%' IDENTIFIED BY 'everything'");
            st.execute("GRANT ALL ON *.* TO all_privileges@'%'");
            st.execute("CREATE OR REPLACE TABLE " + database + ".reader_guard (x int)");
        }
        awaitOnReplicas(cluster, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'reader_guard'", 1);
        List<String> lifting = List.of(
                "SET SESSION TRANSACTION READ WRITE",
                "SET TRANSACTION READ WRITE",
                "SET SESSION transaction_read_only = 0",
                "SET transaction_read_only = OFF",
                "SET tx_read_only=0",
                "SET @@session.transaction_read_only = 0",
                "/*!SET SESSION TRANSACTION READ WRITE*/",
                "START TRANSACTION READ WRITE",
                "SET STATEMENT transaction_read_only=0 FOR INSERT INTO reader_guard VALUES (1)",
                "SELECT 1; SET SESSION TRANSACTION READ WRITE; INSERT INTO reader_guard VALUES (2)",
                "INSERT INTO reader_guard VALUES (3); SET tx_read_only = 0");
        String url = "allowMultiQueries=true&useServerPrepStmts=true";
        for (String extra : List.of(url, "")) {
            for (Connect driver : List.of(MARIADB, MYSQL)) {
                Properties who = new Properties();
                who.setProperty("user", "all_privileges");
                who.setProperty("password", "everything");
                String target = (driver == MARIADB ? cluster.mariadbUrl(cluster.readerPort(), extra)
                        : cluster.mysqlUrl(cluster.readerPort(), extra));
                try (Connection c = DriverManager.getConnection(target, who); Statement st = c.createStatement()) {
                    for (String sql : lifting) {
                        if (sql.contains(";") && extra.isEmpty()) {
                            continue;
                        }
                        SQLException e = assertThrows(SQLException.class, () -> st.execute(sql), sql);
                        assertEquals(1792, e.getErrorCode(), sql + ": " + e.getMessage());
                        assertEquals("25006", e.getSQLState(), sql);
                        assertEquals(1, scalar(st, "SELECT @@tx_read_only"), "after " + sql);
                        SQLException write = assertThrows(SQLException.class,
                                () -> st.execute("INSERT INTO reader_guard VALUES (4)"), "after " + sql);
                        assertEquals(1792, write.getErrorCode(), write.getMessage());
                    }
                    SQLException prepared = assertThrows(SQLException.class, () -> {
                        try (PreparedStatement ps = c.prepareStatement(
                                "SET STATEMENT transaction_read_only=0 FOR INSERT INTO reader_guard VALUES (?)")) {
                            ps.setInt(1, 6);
                            ps.execute();
                        }
                    });
                    assertEquals(1792, prepared.getErrorCode(), prepared.getMessage());
                    // MariaDB Connector/J's setReadOnly(false) sends SET SESSION TRANSACTION READ WRITE and is
                    // refused; MySQL Connector/J's sends nothing to a MariaDB server. Either way the flag stays.
                    c.setReadOnly(true);
                    try {
                        c.setReadOnly(false);
                    } catch (SQLException e) {
                        assertEquals(1792, e.getErrorCode(), e.getMessage());
                    }
                    assertEquals(1, scalar(st, "SELECT @@tx_read_only"));
                    // Keeping the flag on stays allowed.
                    st.execute("SET SESSION TRANSACTION READ ONLY");
                    st.execute("SET @@session.tx_read_only = 1");
                    assertEquals(1, scalar(st, "SELECT @@session.tx_read_only"));
                }
            }
        }
        // The writer endpoint is unaffected.
        Properties who = new Properties();
        who.setProperty("user", "all_privileges");
        who.setProperty("password", "everything");
        try (Connection c = DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(), ""), who);
             Statement st = c.createStatement()) {
            st.execute("SET SESSION TRANSACTION READ WRITE");
            st.execute("SET STATEMENT tx_read_only=0 FOR INSERT INTO reader_guard VALUES (5)");
        }
        // The writer's row reached every replica, and only it: replication runs on.
        awaitOnReplicas(cluster, "SELECT COUNT(*) FROM " + database + ".reader_guard WHERE x = 5", 1);
        for (var replica : cluster.sandbox().replicas()) {
            try (Connection c = cluster.admin(replica); Statement st = c.createStatement()) {
                assertEquals(1, scalar(st, "SELECT COUNT(*) FROM " + database + ".reader_guard"), replica.name());
                try (ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
                    assertTrue(rs.next(), replica.name());
                    assertEquals("Yes", rs.getString("Slave_SQL_Running"), replica.name());
                    assertEquals(0, rs.getInt("Last_SQL_Errno"), rs.getString("Last_SQL_Error"));
                }
            }
        }
    }

    /**
     * A statement lifting read-only sent behind one still being answered cannot be answered in its
     * place in the stream: the reader session ends with the ERR instead of relaying it.
     */
    @Test
    void aPipelinedStatementLiftingReadOnlyEndsTheReaderSession(ProxiedMariaDb cluster) throws Exception {
        try (MySqlRawClient raw = new MySqlRawClient(cluster.readerPort(), 5000)) {
            raw.login(cluster.sandbox().user(), cluster.sandbox().password());
            raw.query("SELECT SLEEP(0.3)").query("SET SESSION TRANSACTION READ WRITE");
            String[] error = null;
            for (int i = 0; i < 20 && error == null; i++) {
                byte[] p = raw.read();
                if ((p[0] & 0xFF) == 0xFF) {
                    int code = (p[1] & 0xFF) | (p[2] & 0xFF) << 8;
                    error = new String[] {Integer.toString(code), new String(p, 9, p.length - 9)};
                }
            }
            assertTrue(error != null, "no ERR");
            assertEquals("1792", error[0], error[1]);
            assertTrue(raw.closedByPeer(), "the session went on");
        }
    }

    /** Waits up to 30 s for {@code query} to answer {@code expected} on every replica. */
    private static void awaitOnReplicas(ProxiedMariaDb cluster, String query, long expected) throws Exception {
        for (var replica : cluster.sandbox().replicas()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long seen;
            do {
                try (Connection c = cluster.admin(replica); Statement st = c.createStatement()) {
                    seen = scalar(st, query);
                }
                if (seen != expected) {
                    Thread.sleep(50);
                }
            } while (seen != expected && System.nanoTime() < deadline);
            assertEquals(expected, seen, replica.name() + ": " + query);
        }
    }

    @Test
    void preparedStatementsServerAndClientSide(ProxiedMariaDb cluster) throws SQLException {
        String[][] variants = {
            {"mariadb", "useServerPrepStmts=true"}, {"mariadb", "useServerPrepStmts=false"},
            {"mysql", "useServerPrepStmts=true"}, {"mysql", "useServerPrepStmts=false"},
        };
        try (Connection setup = cluster.mariadb(cluster.writerPort(), ""); Statement st = setup.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS ps (id INT PRIMARY KEY, name VARCHAR(50), amount DECIMAL(10,2),"
                    + " at DATETIME)");
            st.execute("DELETE FROM ps");
        }
        int id = 0;
        for (String[] variant : variants) {
            Connect driver = variant[0].equals("mariadb") ? MARIADB : MYSQL;
            try (Connection c = driver.to(cluster, cluster.writerPort(), variant[1])) {
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO ps VALUES (?, ?, ?, NOW())")) {
                    for (int i = 0; i < 5; i++) {
                        insert.setInt(1, ++id);
                        insert.setString(2, "row " + id + " " + variant[1]);
                        insert.setBigDecimal(3, new java.math.BigDecimal(id + ".25"));
                        assertEquals(1, insert.executeUpdate());
                    }
                }
                try (PreparedStatement select = c.prepareStatement(
                        "SELECT id, name, amount FROM ps WHERE id > ? AND name LIKE ? ORDER BY id")) {
                    for (int round = 0; round < 3; round++) {
                        select.setInt(1, id - 5);
                        select.setString(2, "row %");
                        try (ResultSet rs = select.executeQuery()) {
                            int n = 0;
                            while (rs.next()) {
                                n++;
                                assertEquals(id - 5 + n, rs.getInt(1));
                                assertEquals(new java.math.BigDecimal((id - 5 + n) + ".25"), rs.getBigDecimal(3));
                            }
                            assertEquals(5, n, variant[0] + " " + variant[1]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void multiStatementQueriesAndAMultiResultProcedure(ProxiedMariaDb cluster) throws SQLException {
        for (Connect driver : List.of(MARIADB, MYSQL)) {
            try (Connection c = driver.to(cluster, cluster.writerPort(), "allowMultiQueries=true");
                 Statement st = c.createStatement()) {
                st.execute("DROP PROCEDURE IF EXISTS three_results");
                st.execute("CREATE PROCEDURE three_results() BEGIN SELECT 1 AS a; SELECT 2 AS b, 3 AS c;"
                        + " SELECT 'x' AS d FROM DUAL WHERE 1 = 0; END");
                assertTrue(st.execute("SELECT 10; SELECT 20, 30; DO 1; SELECT 'last'"));
                List<String> seen = new ArrayList<>();
                do {
                    if (st.getResultSet() != null) {
                        try (ResultSet rs = st.getResultSet()) {
                            while (rs.next()) {
                                seen.add(rs.getString(1));
                            }
                        }
                    }
                } while (st.getMoreResults() || st.getUpdateCount() != -1);
                assertEquals(List.of("10", "20", "last"), seen);

                try (CallableStatement call = c.prepareCall("{CALL three_results()}")) {
                    assertTrue(call.execute());
                    List<Integer> columns = new ArrayList<>();
                    int rows = 0;
                    do {
                        if (call.getResultSet() != null) {
                            try (ResultSet rs = call.getResultSet()) {
                                columns.add(rs.getMetaData().getColumnCount());
                                while (rs.next()) {
                                    rows++;
                                }
                            }
                        }
                    } while (call.getMoreResults() || call.getUpdateCount() != -1);
                    assertEquals(List.of(1, 2, 1), columns);
                    assertEquals(2, rows);
                }
                try (ResultSet rs = st.executeQuery("SELECT 'after'")) {
                    assertTrue(rs.next());
                    assertEquals("after", rs.getString(1));
                }
            }
        }
    }

    @Test
    void errorsArriveIntactAndTransactionsWork(ProxiedMariaDb cluster) throws SQLException {
        for (Connect driver : List.of(MARIADB, MYSQL)) {
            try (Connection c = driver.to(cluster, cluster.writerPort(), ""); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS dup (id INT PRIMARY KEY)");
                st.execute("DELETE FROM dup");
                st.execute("INSERT INTO dup VALUES (1)");
                SQLException e = assertThrows(SQLException.class, () -> st.execute("INSERT INTO dup VALUES (1)"));
                assertEquals(1062, e.getErrorCode());
                assertEquals("23000", e.getSQLState());
                assertTrue(e.getMessage().contains("Duplicate entry '1' for key 'PRIMARY'"), e.getMessage());
                SQLException syntax = assertThrows(SQLException.class, () -> st.execute("SELEC 1"));
                assertEquals(1064, syntax.getErrorCode());
                assertEquals("42000", syntax.getSQLState());

                c.setAutoCommit(false);
                st.execute("INSERT INTO dup VALUES (2)");
                c.rollback();
                c.setAutoCommit(true);
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM dup")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "rolled-back row is gone");
                }
            }
        }
    }

    @Test
    void cancelEndsASleepingQueryPromptly(ProxiedMariaDb cluster) throws Exception {
        ExecutorService canceller = Executors.newSingleThreadExecutor();
        try {
            for (Connect driver : List.of(MARIADB, MYSQL)) {
                try (Connection c = driver.to(cluster, cluster.writerPort(), "");
                     Statement st = c.createStatement()) {
                    long start = System.nanoTime();
                    Future<?> cancel = canceller.submit(() -> {
                        Thread.sleep(500);
                        st.cancel();
                        return null;
                    });
                    try (ResultSet rs = st.executeQuery("SELECT SLEEP(30)")) {
                        // MariaDB answers an interrupted SLEEP with 1, or the driver reports the kill.
                        assertTrue(rs.next());
                        assertEquals(1, rs.getInt(1));
                    } catch (SQLException e) {
                        assertTrue(e.getErrorCode() == 1317 || e.getMessage().contains("interrupted")
                                || e.getMessage().contains("cancelled"), e.toString());
                    }
                    cancel.get(10, TimeUnit.SECONDS);
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertTrue(millis < 5000, "cancel took " + millis + " ms");
                    try (ResultSet rs = st.executeQuery("SELECT 42")) {
                        assertTrue(rs.next());
                        assertEquals(42, rs.getInt(1), "the session survives a cancelled statement");
                    }
                }
            }
        } finally {
            canceller.shutdownNow();
        }
    }

    @Test
    void killOfAnUnknownConnectionIdIsRefusedLikeTheServer(ProxiedMariaDb cluster) throws SQLException {
        try (Connection c = cluster.mariadb(cluster.writerPort(), ""); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.execute("KILL QUERY 4000000000"));
            assertEquals(1094, e.getErrorCode());
        }
    }

    /**
     * The connection ids the proxy hands out are never thread ids of the cluster's servers, and a KILL
     * it cannot translate (one statement of several, a computed id, a prepared KILL) is refused with a
     * clear error instead of reaching the server, where it would name some other thread.
     */
    @Test
    void killIsTranslatedOrRefusedWhereverItAppears(ProxiedMariaDb cluster) throws Exception {
        try (Connection victim = cluster.mariadb(cluster.writerPort(), "");
             Statement victimSt = victim.createStatement();
             Connection c = cluster.mariadb(cluster.writerPort(), "allowMultiQueries=true");
             Statement st = c.createStatement()) {
            // MariaDB Connector/J reads the 4-byte id as signed.
            long proxyId = Integer.toUnsignedLong((int) victim.unwrap(org.mariadb.jdbc.Connection.class).getThreadId());
            assertTrue(proxyId >= 1L << 31 && proxyId <= 0xFFFF_FFFFL, "proxy connection id " + proxyId);
            assertTrue(scalar(victimSt, "SELECT CONNECTION_ID()") < 1L << 31, "a backend thread id");

            for (String sql : List.of("SELECT 1; KILL " + proxyId, "DO 1; KILL QUERY " + proxyId + "; DO 2",
                    "KILL @victim")) {
                st.execute("SET @victim = " + proxyId);
                SQLException e = assertThrows(SQLException.class, () -> st.execute(sql), sql);
                assertEquals(1235, e.getErrorCode(), sql + ": " + e);
                assertEquals("42000", e.getSQLState(), sql);
            }
            try (MySqlRawClient raw = new MySqlRawClient(cluster.writerPort(), 10_000)) {
                raw.login(cluster.sandbox().user(), cluster.sandbox().password());
                byte[] text = ("KILL " + proxyId).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] prepare = new byte[1 + text.length];
                prepare[0] = 0x16; // COM_STMT_PREPARE
                System.arraycopy(text, 0, prepare, 1, text.length);
                assertEquals("1235", raw.packet(0, prepare).readError()[0], "a prepared KILL");
            }
            assertEquals(1, scalar(victimSt, "SELECT 1"), "the named session was left alone");

            // Alone, behind a comment, it is translated: the session it names ends.
            st.execute("/* end it */ KILL CONNECTION " + proxyId);
            assertThrows(SQLException.class, () -> scalar(victimSt, "SELECT 1"));
            assertEquals(1, scalar(st, "SELECT 1"), "the session that sent the KILL goes on");
        }
    }

    @Test
    void aHikariPoolServesConcurrentWork(ProxiedMariaDb cluster) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(cluster.mariadbUrl(cluster.writerPort(), ""));
        config.setUsername(cluster.sandbox().user());
        config.setPassword(cluster.sandbox().password());
        config.setMaximumPoolSize(4);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS pooled (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
                st.execute("DELETE FROM pooled");
            }
            ExecutorService workers = Executors.newFixedThreadPool(8);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int worker = w;
                done.add(workers.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        try (Connection c = pool.getConnection();
                             PreparedStatement ps = c.prepareStatement("INSERT INTO pooled (v) VALUES (?)")) {
                            ps.setInt(1, worker);
                            ps.executeUpdate();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            workers.shutdown();
            try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM pooled")) {
                rs.next();
                assertEquals(200, rs.getInt(1));
            }
        }
    }

    @Test
    void aConfigUserLogsInWithItsConfiguredPassword(ProxiedMariaDb cluster) throws SQLException {
        for (String url : List.of(cluster.mariadbUrl(cluster.writerPort(), ""),
                cluster.mysqlUrl(cluster.writerPort(), ""))) {
            try (Connection c = java.sql.DriverManager.getConnection(url, ProxiedMariaDb.CONFIG_USER,
                    ProxiedMariaDb.CONFIG_PASSWORD); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT CURRENT_USER()")) {
                rs.next();
                assertTrue(rs.getString(1).startsWith(ProxiedMariaDb.CONFIG_USER + "@"), rs.getString(1));
            }
        }
    }

    /**
     * A connection the server ends on its own (KILL from another session, {@code KILL CONNECTION_ID()},
     * {@code wait_timeout}) is lost to the client as it is directly: its next statements fail and the
     * driver finds it closed, so a pool evicts it. Only a lost or handed-over instance moves a session.
     */
    @Test
    void aConnectionTheServerEndsIsLostToTheClientAsDirectly(ProxiedMariaDb cluster) throws Exception {
        var primary = cluster.sandbox().instance(cluster.server().topology("main").current().primary()
                .orElseThrow().name());
        try (Connection c = cluster.mariadb(cluster.writerPort(), ""); Statement st = c.createStatement()) {
            long thread = scalar(st, "SELECT CONNECTION_ID()");
            try (Connection admin = cluster.admin(primary); Statement a = admin.createStatement()) {
                a.execute("KILL CONNECTION " + thread);
            }
            assertLost(c, st, "killed from another session");
        }

        List<Integer> killedSelf = new ArrayList<>();
        try (Connection direct = java.sql.DriverManager.getConnection(cluster.sandbox().jdbcUrl(primary,
                cluster.sandbox().database()), cluster.credentials());
             Connection proxied = cluster.mariadb(cluster.writerPort(), "")) {
            for (Connection c : List.of(direct, proxied)) {
                try (Statement st = c.createStatement()) {
                    killedSelf.add(assertThrows(SQLException.class, () -> st.execute("KILL CONNECTION_ID()"))
                            .getErrorCode());
                    assertLost(c, st, "KILL CONNECTION_ID()");
                }
            }
        }
        assertEquals(killedSelf.get(0), killedSelf.get(1), "the error KILL CONNECTION_ID() answers");

        try (Connection c = cluster.mariadb(cluster.writerPort(), ""); Statement st = c.createStatement()) {
            st.execute("SET SESSION wait_timeout = 1");
            Thread.sleep(2500);
            assertLost(c, st, "idle past wait_timeout");
        }
    }

    /**
     * A client that leaves in the middle of a statement has the statement killed, whether it leaves with
     * a FIN or a TCP reset, and whether the statement had started or was on its way: it would otherwise
     * run on unseen, holding its locks.
     */
    @Test
    void aStatementIsKilledWhenItsClientLeavesWithAResetOrAFin(ProxiedMariaDb cluster) throws Exception {
        var primary = cluster.sandbox().instance(cluster.server().topology("main").current().primary()
                .orElseThrow().name());
        try (Connection admin = cluster.admin(primary); Statement a = admin.createStatement()) {
            for (int trial = 0; trial < 12; trial++) {
                boolean reset = trial % 4 != 0;
                boolean started = trial % 2 == 0;
                String marker = "left_" + trial + "_" + System.nanoTime();
                MySqlRawClient client = new MySqlRawClient(cluster.writerPort(), 10_000);
                try {
                    client.login(cluster.sandbox().user(), cluster.sandbox().password());
                    client.query("SELECT SLEEP(20) AS " + marker);
                    if (started) {
                        assertTrue(io.auriga.core.testing.Poll.poll(java.time.Duration.ofSeconds(10),
                                () -> running(a, marker)), "the statement never started");
                    }
                } finally {
                    if (reset) {
                        client.reset();
                    } else {
                        client.close();
                    }
                }
                Thread.sleep(1000); // a statement on its way has started by now, if it ever does
                assertTrue(io.auriga.core.testing.Poll.poll(java.time.Duration.ofSeconds(5),
                        () -> !running(a, marker)), "trial " + trial + ": the statement of a client that left with a "
                        + (reset ? "reset" : "FIN") + (started ? " while it ran" : " as it sent it") + " still runs");
            }
        }
    }

    private static boolean running(Statement admin, String marker) throws SQLException {
        try (ResultSet rs = admin.executeQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%"
                + marker + "%' AND ID <> CONNECTION_ID()")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    /**
     * A reader session that ends with COM_QUIT ends as it does directly: the server is told (no
     * aborted client counted on the replica) and the proxy logs no failure.
     */
    @Test
    void readerSessionsEndQuietly(ProxiedMariaDb cluster) throws Exception {
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.auriga.mysql.frontend");
        appender.start();
        logger.addAppender(appender);
        try {
            long abortedBefore = abortedClients(cluster);
            for (int i = 0; i < 10; i++) {
                try (Connection c = (i % 2 == 0 ? MARIADB : MYSQL).to(cluster, cluster.readerPort(), "");
                     Statement st = c.createStatement()) {
                    assertEquals(1, scalar(st, "SELECT 1"));
                }
            }
            Thread.sleep(500); // the last closes reach the proxy and the servers
            List<String> failures = appender.list.stream().filter(e -> e.getFormattedMessage().contains("failed"))
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
            assertEquals(List.of(), failures, "an ordinary quit logged as a failure");
            assertEquals(abortedBefore, abortedClients(cluster), "the replicas counted aborted clients");
        } finally {
            logger.detachAppender(appender);
        }
    }

    private static long abortedClients(ProxiedMariaDb cluster) throws SQLException {
        long sum = 0;
        for (var replica : cluster.sandbox().replicas()) {
            try (Connection c = cluster.admin(replica); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Aborted_clients'")) {
                rs.next();
                sum += rs.getLong(2);
            }
        }
        return sum;
    }

    private static void assertLost(Connection c, Statement st, String how) throws SQLException {
        assertThrows(SQLException.class, () -> scalar(st, "SELECT 1"), "a session " + how + " went on");
        assertThrows(SQLException.class, () -> scalar(st, "SELECT 2"), "a session " + how + " went on");
        assertFalse(c.isValid(5), "a session " + how + " is still valid");
    }

    private static long scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    private static long serverId(Connection admin) throws SQLException {
        try (admin; Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static final String CHANGE_USER = "change_b";
    private static final String CHANGE_PASSWORD = "b-secret";
    /** A user with no grant on the test schema: the server itself refuses the change. */
    private static final String UNGRANTED_USER = "change_ungranted";

    /**
     * COM_CHANGE_USER (what the Node drivers' changeUser and pools that switch users send) works through
     * the writer endpoint as on the primary directly: the new user is logged in, user variables, session
     * settings and temporary tables are gone, and an open transaction is rolled back.
     */
    @Test
    void changeUserLogsInAsTheNewUserAndResetsTheSessionLikeTheServer(ProxiedMariaDb cluster) throws Exception {
        createChangeUser(cluster);
        String database = cluster.sandbox().database();
        for (int port : new int[] {cluster.sandbox().primary().port(), cluster.writerPort()}) {
            try (MySqlRawClient raw = new MySqlRawClient(port, 10_000)) {
                assertEquals(0, raw.loginAnswer(cluster.sandbox().user(), cluster.sandbox().password())[0]);
                for (String sql : List.of("SET @v = 7", "SET SESSION wait_timeout = 123",
                        "CREATE TEMPORARY TABLE change_tmp (x int)", "START TRANSACTION",
                        "INSERT INTO change_t VALUES (1)")) {
                    assertEquals("OK", raw.ask(sql), sql + " on port " + port);
                }
                byte[] answer = raw.changeUser(CHANGE_USER, CHANGE_PASSWORD, database);
                assertEquals(0, answer[0], "port " + port + ": " + new String(answer, java.nio.charset.StandardCharsets.UTF_8));
                assertTrue(raw.ask("SELECT CURRENT_USER()").startsWith(CHANGE_USER + "@"), "port " + port);
                assertEquals("NULL", raw.ask("SELECT @v"), "port " + port);
                assertEquals("1", raw.ask("SELECT @@session.wait_timeout = @@global.wait_timeout"), "port " + port);
                assertEquals("ERR 1146", raw.ask("SELECT COUNT(*) FROM change_tmp"), "port " + port);
                assertEquals("0", raw.ask("SELECT COUNT(*) FROM change_t"), "port " + port);
                assertEquals(database, raw.ask("SELECT DATABASE()"), "port " + port);
            }
        }
    }

    /**
     * MySQL Connector/J's {@code changeUser} (COM_CHANGE_USER with its connection attributes, then the
     * answer to the server's AuthSwitchRequest) works through the writer endpoint as directly; a wrong
     * password gets the server's 1045.
     */
    @Test
    void mysqlConnectorJChangesUser(ProxiedMariaDb cluster) throws SQLException {
        createChangeUser(cluster);
        for (int port : new int[] {cluster.sandbox().primary().port(), cluster.writerPort()}) {
            try (Connection c = cluster.mysql(port, ""); Statement st = c.createStatement()) {
                st.execute("SET @v = 7");
                var driver = c.unwrap(com.mysql.cj.jdbc.JdbcConnection.class);
                driver.changeUser(CHANGE_USER, CHANGE_PASSWORD);
                try (ResultSet rs = c.createStatement().executeQuery("SELECT CURRENT_USER(), @v")) {
                    assertTrue(rs.next());
                    assertTrue(rs.getString(1).startsWith(CHANGE_USER + "@"), "port " + port + ": " + rs.getString(1));
                    assertEquals(null, rs.getString(2), "port " + port);
                }
                SQLException e = assertThrows(SQLException.class, () -> driver.changeUser(CHANGE_USER, "wrong"));
                assertEquals(1045, e.getErrorCode(), "port " + port + ": " + e);
            }
        }
    }

    /**
     * A COM_CHANGE_USER with a wrong password, or naming a user that does not exist, gets the server's
     * access-denied error and leaves the connection as the server leaves it: open, as the user it was,
     * its session reset all the same; a fourth attempt on the connection is refused unheard. A user the
     * server refuses the schema to fares the same, with the server's own error.
     */
    @Test
    void aRefusedChangeUserEndsAsOnTheServer(ProxiedMariaDb cluster) throws Exception {
        createChangeUser(cluster);
        List<String> seen = new ArrayList<>();
        for (int port : new int[] {cluster.sandbox().primary().port(), cluster.writerPort()}) {
            List<String> outcomes = new ArrayList<>();
            for (String[] who : new String[][] {{CHANGE_USER, "wrong"}, {"no_such_user", CHANGE_PASSWORD},
                    {UNGRANTED_USER, CHANGE_PASSWORD}}) {
                try (MySqlRawClient raw = new MySqlRawClient(port, 10_000)) {
                    assertEquals(0, raw.loginAnswer(cluster.sandbox().user(), cluster.sandbox().password())[0]);
                    assertEquals("OK", raw.ask("SET @v = 1"));
                    assertEquals("OK", raw.ask("CREATE TEMPORARY TABLE refused_tmp (x int)"));
                    if (who[0].equals(UNGRANTED_USER)) {
                        outcomes.add(malformedChange(raw));
                    }
                    int attempts = who[0].equals(CHANGE_USER) ? 4 : 1;
                    for (int i = 0; i < attempts; i++) {
                        outcomes.add(refusedChange(raw, who[0], who[1], cluster.sandbox().database()));
                    }
                }
            }
            seen.add(String.join(", ", outcomes));
        }
        assertTrue(seen.get(0).startsWith("change_b: 1045 28000 as auriga"), seen.get(0));
        // For a user it does not know MariaDB fakes the authentication with a plugin it picks at random,
        // so it answers 1698 (28000) at times; the proxy answers as for a wrong password, 1045, always.
        String direct = seen.get(0).replace("no_such_user: 1698 28000", "no_such_user: 1045 28000");
        assertEquals(direct, seen.get(1), "directly, then through the writer endpoint");
    }

    /** A COM_CHANGE_USER whose answer runs past its end: the error's code and what the session is then. */
    private static String malformedChange(MySqlRawClient raw) {
        try {
            raw.packet(0, new byte[] {0x11, 'b', 'o', 'b', 0, 20, 1, 2, 3});
            byte[] answer = raw.read();
            int code = (answer[1] & 0xFF) | (answer[2] & 0xFF) << 8;
            return "malformed: " + (answer[0] & 0xFF) + " " + code + " as "
                    + raw.ask("SELECT CURRENT_USER()").replaceAll("@.*", "") + " @v=" + raw.ask("SELECT @v");
        } catch (java.io.IOException e) {
            return "malformed: closed";
        }
    }

    private static String refusedChange(MySqlRawClient raw, String user, String password, String database) {
        try {
            byte[] answer = raw.changeUser(user, password, database);
            if ((answer[0] & 0xFF) != 0xFF) {
                return user + ": accepted";
            }
            int code = (answer[1] & 0xFF) | (answer[2] & 0xFF) << 8;
            String state = new String(answer, 4, 5, java.nio.charset.StandardCharsets.UTF_8);
            return user + ": " + code + " " + state + " as " + raw.ask("SELECT CURRENT_USER()").replaceAll("@.*", "")
                    + " @v=" + raw.ask("SELECT @v") + " tmp=" + raw.ask("SELECT COUNT(*) FROM refused_tmp");
        } catch (java.io.IOException e) {
            return user + ": closed";
        }
    }

    private static void createChangeUser(ProxiedMariaDb cluster) throws SQLException {
        try (Connection c = cluster.admin(cluster.sandbox().primary()); Statement st = c.createStatement()) {
            st.execute("CREATE USER IF NOT EXISTS " + CHANGE_USER + "@'%' IDENTIFIED BY '" + CHANGE_PASSWORD + "'");
            st.execute("GRANT ALL ON " + cluster.sandbox().database() + ".* TO " + CHANGE_USER + "@'%'");
            st.execute("CREATE USER IF NOT EXISTS " + UNGRANTED_USER + "@'%' IDENTIFIED BY '" + CHANGE_PASSWORD + "'");
            st.execute("CREATE TABLE IF NOT EXISTS " + cluster.sandbox().database() + ".change_t (x int) ENGINE=InnoDB");
        }
    }
}
