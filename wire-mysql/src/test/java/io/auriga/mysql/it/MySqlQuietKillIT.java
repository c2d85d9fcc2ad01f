package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.FailoverConfig;
import io.auriga.core.testing.DedicatedFixture;
import io.netty.util.concurrent.EventExecutor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server killed outright closes its connections at once, but the proxy learns of it only when
 * its event loop gets to that close. A command from a quiet session that the loop reads first must
 * go to the new primary, not into the dead connection (where it would fail as "lost while a command
 * was running", though nothing could have read it). The test orders the events: it stops the
 * proxy's loops, sends the command, kills the primary, and lets the loops go on; the command's
 * readiness was reported before the close's, so the loop handles it first.
 */
class MySqlQuietKillIT {
    @RegisterExtension
    static final DedicatedFixture<ProxiedMariaDb> CLUSTER = ProxiedMariaDb.dedicated(new FailoverConfig(true, Duration.ofMillis(300), 3,
            Duration.ofSeconds(1), Duration.ofSeconds(30)));

    @Test
    void aCommandReadBeforeTheLoopSawTheBackendCloseGoesToTheNewPrimary() throws Exception {
        // HikariCP in the proxy's user lookup sets the JVM-wide login timeout short; the clients need longer.
        java.sql.DriverManager.setLoginTimeout(20);
        ProxiedMariaDb cluster = CLUSTER.get();
        String primary = cluster.server().topology("main").current().primary().orElseThrow().name();
        try (Connection quiet = cluster.mariadb(cluster.writerPort(), "socketTimeout=60000")) {
            long before = serverId(quiet);
            Thread.sleep(200); // quiet for longer than the proxy waits before asking the kernel

            List<EventExecutor> loops = new ArrayList<>();
            cluster.server().eventLoops().forEach(loops::add);
            CountDownLatch stopped = new CountDownLatch(loops.size());
            CountDownLatch resume = new CountDownLatch(1);
            loops.forEach(loop -> loop.execute(() -> {
                stopped.countDown();
                try {
                    resume.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            CompletableFuture<Object> answer;
            try {
                assertTrue(stopped.await(10, TimeUnit.SECONDS), "the proxy's event loops did not stop");
                answer = CompletableFuture.supplyAsync(() -> {
                    try {
                        return serverId(quiet);
                    } catch (SQLException e) {
                        return e;
                    }
                });
                Thread.sleep(300); // the command waits in the proxy's socket
                cluster.sandbox().kill(primary);
                // The dead server's close reaches the proxy's socket at once; resume well before the
                // monitor (probing every 300 ms) could move the session on its own.
                Thread.sleep(30);
            } finally {
                resume.countDown();
            }
            Object result = answer.get(60, TimeUnit.SECONDS);
            assertTrue(result instanceof Long, "the command failed instead of going to the new primary: " + result);
            assertNotEquals(before, result, "the command was answered by the new primary");
        }
    }

    private static long serverId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
