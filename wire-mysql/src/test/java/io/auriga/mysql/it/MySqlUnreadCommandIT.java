package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.FailoverConfig;
import io.auriga.core.testing.DedicatedFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A command that reached a server which never read it, because the server was killed first, runs on
 * the new primary once the session has moved: the dead server's kernel resets the connection when it
 * closes a socket holding bytes nobody read, and a command is read whole before it runs, so it surely
 * never ran. The test freezes the primary (SIGSTOP), lets two sessions send a query and an INSERT
 * into it, then kills it: both commands are answered by the new primary, the INSERT exactly once, and
 * the sessions keep their state.
 */
class MySqlUnreadCommandIT {
    @RegisterExtension
    static final DedicatedFixture<ProxiedMariaDb> CLUSTER = ProxiedMariaDb.dedicated(new FailoverConfig(true, Duration.ofMillis(300), 3,
            Duration.ofSeconds(1), Duration.ofSeconds(30)));

    @Test
    void commandsTheKilledPrimaryNeverReadRunOnTheNewPrimary() throws Exception {
        // HikariCP in the proxy's user lookup sets the JVM-wide login timeout short; the clients need longer.
        java.sql.DriverManager.setLoginTimeout(20);
        ProxiedMariaDb cluster = CLUSTER.get();
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        try (Connection reader = cluster.mariadb(cluster.writerPort(), "socketTimeout=60000");
             Connection writer = cluster.mariadb(cluster.writerPort(), "socketTimeout=60000")) {
            try (Statement st = writer.createStatement()) {
                st.execute("CREATE TABLE unread_it (id INT PRIMARY KEY)");
            }
            try (Statement st = reader.createStatement()) {
                st.execute("SET @tag = 'kept'");
            }
            long before = serverId(reader);

            cluster.sandbox().pause(primary);
            CompletableFuture<Object> query = CompletableFuture.supplyAsync(() -> {
                try (Statement st = reader.createStatement();
                     ResultSet rs = st.executeQuery("SELECT @@server_id, @tag")) {
                    rs.next();
                    return rs.getLong(1) + "/" + rs.getString(2);
                } catch (SQLException e) {
                    return e;
                }
            });
            CompletableFuture<Object> insert = CompletableFuture.supplyAsync(() -> {
                try (Statement st = writer.createStatement()) {
                    return st.executeUpdate("INSERT INTO unread_it VALUES (1)");
                } catch (SQLException e) {
                    return e;
                }
            });
            Thread.sleep(500); // both commands wait, unread, in the frozen server's sockets
            cluster.sandbox().kill(primary);

            Object answered = query.get(60, TimeUnit.SECONDS);
            assertTrue(answered instanceof String, "the query failed instead of running on the new primary: "
                    + answered);
            String[] parts = ((String) answered).split("/");
            assertNotEquals(Long.toString(before), parts[0], "answered by the new primary");
            assertEquals("kept", parts[1], "the session's user variable came along");
            Object inserted = insert.get(60, TimeUnit.SECONDS);
            assertEquals(1, inserted, "the INSERT failed instead of running on the new primary: " + inserted);
        }
        try (Connection c = cluster.mariadb(cluster.writerPort(), "socketTimeout=60000");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM unread_it")) {
            rs.next();
            assertEquals(1, rs.getInt(1), "the INSERT ran exactly once");
        }
    }

    private static long serverId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
