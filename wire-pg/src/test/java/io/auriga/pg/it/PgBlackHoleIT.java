package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.topology.Role;
import io.auriga.sandbox.pg.PgSandbox;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A primary that stops answering without closing anything (its processes paused with SIGSTOP, as
 * in a network black hole) is detected by probe timeouts, replaced, and fenced when it resumes;
 * an idle session whose backend hung there moves to the new primary.
 */
class PgBlackHoleIT {
    @RegisterExtension
    static final DedicatedFixture<ProxiedCluster> CLUSTER = ProxiedCluster.dedicated(false);
    private static ProxiedCluster cluster;

    @BeforeAll
    static void bind() {
        cluster = CLUSTER.get();
    }

    @Test
    void aSilentPrimaryIsReplacedAndFencedWhenItWakesUp() throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        String oldPrimary = sandbox.primary().name();
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE blackhole_it (id int PRIMARY KEY)");
        }
        Connection idle = cluster.writer();
        try (Statement st = idle.createStatement()) {
            st.execute("SET application_name TO 'through the black hole'");
        }

        sandbox.pause(oldPrimary);
        long pausedAt = System.nanoTime();
        int newPrimaryPort = FailoverChecks.writeUntilAccepted(cluster, "blackhole_it", 1, Duration.ofSeconds(45));
        System.out.println("writes were unavailable for " + (System.nanoTime() - pausedAt) / 1_000_000
                + " ms after the primary went silent");
        assertNotEquals(sandbox.primary().port(), newPrimaryPort);
        assertEquals(Role.FENCED, cluster.server().topology("main").current().instance(oldPrimary).orElseThrow().role());

        try (Statement st = idle.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT current_setting('application_name'), inet_server_port()")) {
            rs.next();
            assertEquals("through the black hole", rs.getString(1));
            assertEquals(newPrimaryPort, rs.getInt(2), "the idle session moved off the silent primary");
        }
        idle.close();

        sandbox.resume(oldPrimary);
        assertTrue(poll(Duration.ofSeconds(30),
                () -> FailoverChecks.readOnly(cluster, sandbox.instance(oldPrimary))),
                "the primary that woke up was made read-only");
        assertEquals(Role.FENCED, cluster.server().topology("main").current().instance(oldPrimary).orElseThrow().role(),
                "and is never routed to");
        assertEquals(newPrimaryPort, FailoverChecks.writeUntilAccepted(cluster, "blackhole_it", 2,
                Duration.ofSeconds(10)));
    }
}
