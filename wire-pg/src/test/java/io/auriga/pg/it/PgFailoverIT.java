package io.auriga.pg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.pg.sandbox.PgSandbox;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Unplanned failover on a cluster of its own: the primary's postmaster is killed with SIGKILL;
 * a replica is promoted, the writer endpoint follows it, the other replica streams from it, and
 * the old primary, restarted, is fenced: never routed to, made read-only.
 */
class PgFailoverIT {
    private static ProxiedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ProxiedCluster.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killingThePrimaryPromotesAReplicaAndFencesTheOldOneWhenItReturns() throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        String oldPrimary = sandbox.primary().name();
        long epochBefore = topology().epoch();
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE failover_it (id int PRIMARY KEY, at timestamptz DEFAULT now())");
            st.execute("INSERT INTO failover_it (id) VALUES (1)");
        }
        awaitReplicated(1);

        long killedAt = System.nanoTime();
        sandbox.kill(oldPrimary);
        int newPrimaryPort = writeUntilAccepted(2, Duration.ofSeconds(30));
        long unavailableMillis = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.println("writes were unavailable for " + unavailableMillis + " ms after SIGKILL of the primary");

        assertNotEquals(sandbox.primary().port(), newPrimaryPort, "writes moved off the killed primary");
        Topology after = topology();
        assertTrue(after.epoch() > epochBefore, "a new primary raises the epoch");
        assertEquals(Role.FENCED, after.instance(oldPrimary).orElseThrow().role());
        assertEquals(newPrimaryPort, after.primary().orElseThrow().config().port());

        // The surviving replica follows the new primary: a row written now reaches the reader endpoint.
        awaitReplicated(2);

        sandbox.startInstance(oldPrimary);
        assertTrue(poll(Duration.ofSeconds(30), () -> readOnly(sandbox.instance(oldPrimary))),
                "the returning primary was made read-only");
        assertEquals(Role.FENCED, topology().instance(oldPrimary).orElseThrow().role());
        try (Connection c = cluster.writer(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT inet_server_port(), count(*) FROM failover_it GROUP BY 1")) {
            rs.next();
            assertEquals(newPrimaryPort, rs.getInt(1), "the writer endpoint never returns to the fenced instance");
            assertEquals(2, rs.getInt(2));
        }
    }

    private static Topology topology() {
        return cluster.server().topology("main").current();
    }

    /** Inserts row {@code id} through the writer endpoint, retrying on new connections; returns the server port. */
    private static int writeUntilAccepted(int id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO failover_it (id) VALUES (" + id + ")");
                try (ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
                    rs.next();
                    return rs.getInt(1);
                }
            } catch (SQLException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError("writes did not resume within " + timeout, last);
    }

    private static void awaitReplicated(int rows) throws Exception {
        assertTrue(poll(Duration.ofSeconds(20), () -> {
            try (Connection c = cluster.reader(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM failover_it")) {
                rs.next();
                return rs.getInt(1) == rows;
            } catch (SQLException e) {
                return false;
            }
        }), "the reader endpoint never showed " + rows + " row(s)");
    }

    /** Asks on a fresh connection each time: fencing ends the sessions that were open. */
    private static boolean readOnly(PgSandbox.Instance instance) {
        try (Connection admin = cluster.admin(instance); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('default_transaction_read_only')")) {
            rs.next();
            return rs.getString(1).equals("on");
        } catch (SQLException e) {
            return false;
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static boolean poll(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return true;
            }
            Thread.sleep(100);
        }
        return check.ok();
    }
}
