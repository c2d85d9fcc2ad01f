package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.ClusterConfig;
import io.auriga.config.EndpointConfig;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Topology;
import io.auriga.pg.sandbox.PgSandbox;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reader endpoint's {@code max-lag} on real servers, with a quiet primary: a replica's lag is
 * how long its data has been behind the primary's, not the age of the last transaction it replayed,
 * which on a quiet primary is far older. Replay is paused on both replicas, so every read through
 * the reader endpoint reaches a replica that misses the last commit.
 */
class PgReplicaLagIT {
    private static final Duration MAX_LAG = Duration.ofSeconds(5);
    /** Longer than {@link #MAX_LAG}: the last transaction the replicas replay is older than that. */
    private static final Duration QUIET = Duration.ofSeconds(6);

    @RegisterExtension
    static final DedicatedCluster CLUSTER = new DedicatedCluster(false, PgReplicaLagIT::strictReader);
    private static ProxiedCluster cluster;

    @BeforeAll
    static void bind() {
        cluster = CLUSTER.get();
    }

    /** The reader tolerates {@link #MAX_LAG} and never falls back to the primary. */
    private static ClusterConfig strictReader(ClusterConfig c) {
        List<EndpointConfig> endpoints = c.endpoints().stream()
                .map(e -> e.role() != EndpointConfig.EndpointRole.READER ? e
                        : new EndpointConfig(e.name(), e.role(), e.host(), e.port(), e.balance(), MAX_LAG, false,
                        e.instances()))
                .toList();
        return new ClusterConfig(c.name(), c.engine(), c.instances(), c.adminCredentials(), endpoints, c.failover(),
                c.durability());
    }

    @Test
    void aReplicaBehindAQuietPrimarysLastCommitStaysReadableUntilMaxLagHasPassed() throws Exception {
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE lag_it (id int)");
            st.execute("INSERT INTO lag_it VALUES (1)");
        }
        Thread.sleep(QUIET.toMillis());

        // From a round after this instant that found both replicas at the primary's position, whatever
        // they miss was written after it: their true lag is at most the time since.
        Instant caughtUpAfter = Instant.now();
        assertTrue(poll(Duration.ofSeconds(20), () -> caughtUpSince(cluster.server().topology("main").current(),
                caughtUpAfter)), "both replicas at the primary's position: " + cluster.server().topology("main").current());
        for (PgSandbox.Instance replica : cluster.sandbox().replicas()) {
            replay(replica, "pause");
        }
        try {
            try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO lag_it VALUES (2)");
            }
            assertTrue(poll(Duration.ofSeconds(20), () -> replicasBehind(cluster.server().topology("main").current())),
                    "a round saw the primary beyond both replicas: " + cluster.server().topology("main").current());
            Topology behind = cluster.server().topology("main").current();
            long bound = Duration.between(caughtUpAfter, Instant.now()).toMillis();
            for (InstanceState replica : behind.replicas()) {
                assertTrue(replica.lagMillis() >= 0 && replica.lagMillis() <= bound, replica.name() + " lags "
                        + replica.lagMillis() + " ms, yet it was at the primary's position " + bound + " ms ago");
            }
            if (bound < MAX_LAG.toMillis() - 1000) {
                try (Connection r = cluster.reader(); Statement st = r.createStatement()) {
                    assertEquals("t", single(st, "SELECT pg_is_in_recovery()"), "the reader reaches a replica");
                    assertEquals("1", single(st, "SELECT count(*) FROM lag_it"), "it misses the last commit");
                }
            }

            // Replay stays paused: the lag grows past max-lag, and the reader refuses.
            String[] refusal = new String[1];
            assertTrue(poll(Duration.ofSeconds(30), () -> {
                try (Connection r = cluster.reader()) {
                    return false;
                } catch (SQLException e) {
                    refusal[0] = e.getMessage();
                    return true;
                }
            }), "the reader still accepts sessions with replay paused for over " + MAX_LAG);
            assertTrue(refusal[0].contains("within " + MAX_LAG.toMillis() + " ms of lag"), refusal[0]);
            assertFalse(Duration.between(caughtUpAfter, Instant.now()).compareTo(MAX_LAG) < 0,
                    "refused before max-lag could have passed: " + refusal[0]);
        } finally {
            for (PgSandbox.Instance replica : cluster.sandbox().replicas()) {
                replay(replica, "resume");
            }
        }
        assertTrue(poll(Duration.ofSeconds(20), () -> {
            try (Connection r = cluster.reader(); Statement st = r.createStatement()) {
                return "2".equals(single(st, "SELECT count(*) FROM lag_it"));
            } catch (SQLException e) {
                return false;
            }
        }), "with replay resumed the reader serves the last commit");
    }

    private static boolean caughtUpSince(Topology t, Instant since) {
        return t.primary().filter(p -> !p.observedAt().isBefore(since))
                .map(p -> t.replicas().size() == 2 && t.replicas().stream()
                        .allMatch(r -> r.observedAt().equals(p.observedAt()) && r.position() >= p.position()))
                .orElse(false);
    }

    private static boolean replicasBehind(Topology t) {
        return t.primary().map(p -> t.replicas().size() == 2 && t.replicas().stream()
                .allMatch(r -> r.observedAt().equals(p.observedAt()) && r.position() < p.position())).orElse(false);
    }

    private void replay(PgSandbox.Instance replica, String what) throws SQLException {
        try (Connection c = cluster.admin(replica); Statement st = c.createStatement()) {
            st.execute("SELECT pg_wal_replay_" + what + "()");
        }
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
