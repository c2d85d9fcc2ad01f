package io.auriga.core.testing;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyHolder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

/**
 * The reader endpoint's {@code max-lag} on real servers of either engine, with a quiet primary: a
 * replica's lag is how long its data has been behind the primary's, not the age of the last
 * transaction it replayed, which on a quiet primary is far older (or unknown). Replay is paused on
 * every replica, so every read through the reader endpoint reaches a replica that misses the last
 * commit. The reader must tolerate {@code maxLag} and never fall back to the primary
 * ({@link StrictReader}).
 */
public final class ReplicaLagCheck {
    /** Opens a session through an endpoint. */
    public interface Endpoint {
        Connection connect() throws SQLException;
    }

    /** Pauses or resumes replay (not receipt) on every replica. */
    public interface Replay {
        void set(boolean paused) throws SQLException;
    }

    private final TopologyHolder topology;
    private final int replicas;
    private final Endpoint writer;
    private final Endpoint reader;
    private final Replay replay;
    private final Duration maxLag;

    public ReplicaLagCheck(TopologyHolder topology, int replicas, Endpoint writer, Endpoint reader, Replay replay,
                           Duration maxLag) {
        this.topology = topology;
        this.replicas = replicas;
        this.writer = writer;
        this.reader = reader;
        this.replay = replay;
        this.maxLag = maxLag;
    }

    /** Runs the check in table {@code lag_it}, which must not exist yet. */
    public void run() throws Exception {
        try (Connection c = writer.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE lag_it (id int)");
            st.execute("INSERT INTO lag_it VALUES (1)");
        }
        // Quiet for longer than max-lag: the last transaction the replicas replay is older than that.
        Thread.sleep(maxLag.plusSeconds(1).toMillis());

        // From a round after this instant that found every replica at the primary's position, whatever
        // they miss was written after it: their true lag is at most the time since.
        Instant caughtUpAfter = Instant.now();
        assertTrue(poll(Duration.ofSeconds(20), () -> caughtUpSince(topology.current(), caughtUpAfter)),
                "every replica at the primary's position: " + topology.current());
        replay.set(true);
        try {
            try (Connection c = writer.connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO lag_it VALUES (2)");
            }
            assertTrue(poll(Duration.ofSeconds(20), () -> replicasBehind(topology.current())),
                    "a round saw the primary beyond every replica: " + topology.current());
            Topology behind = topology.current();
            long bound = Duration.between(caughtUpAfter, Instant.now()).toMillis();
            for (InstanceState replica : behind.replicas()) {
                assertTrue(replica.lagMillis() >= 0 && replica.lagMillis() <= bound, replica.name() + " lags "
                        + replica.lagMillis() + " ms, yet it was at the primary's position " + bound + " ms ago");
            }
            // Within max-lag the reader serves a replica that misses the last commit; a refusal is right
            // only once max-lag has passed (a slow machine can take that long to get here).
            try (Connection r = reader.connect(); Statement st = r.createStatement()) {
                assertEquals("1", count(st), "the reader reaches a replica that misses the last commit");
            } catch (SQLException e) {
                long elapsed = Duration.between(caughtUpAfter, Instant.now()).toMillis();
                assertTrue(elapsed >= maxLag.toMillis(), "the reader refused a replica at most " + elapsed
                        + " ms behind, within max-lag " + maxLag.toMillis() + " ms: " + e.getMessage());
            }

            // Replay stays paused: the lag grows past max-lag, and the reader refuses.
            String[] refusal = new String[1];
            assertTrue(poll(Duration.ofSeconds(30), () -> {
                try (Connection r = reader.connect()) {
                    return false;
                } catch (SQLException e) {
                    refusal[0] = e.getMessage();
                    return true;
                }
            }), "the reader still accepts sessions with replay paused for over " + maxLag);
            assertTrue(refusal[0].contains("within " + maxLag.toMillis() + " ms of lag"), refusal[0]);
            assertFalse(Duration.between(caughtUpAfter, Instant.now()).compareTo(maxLag) < 0,
                    "refused before max-lag could have passed: " + refusal[0]);
        } finally {
            replay.set(false);
        }
        assertTrue(poll(Duration.ofSeconds(20), () -> {
            try (Connection r = reader.connect(); Statement st = r.createStatement()) {
                return "2".equals(count(st));
            } catch (SQLException e) {
                return false;
            }
        }), "with replay resumed the reader serves the last commit");
    }

    private boolean caughtUpSince(Topology t, Instant since) {
        return t.primary().filter(p -> !p.observedAt().isBefore(since))
                .map(p -> t.replicas().size() == replicas && t.replicas().stream()
                        .allMatch(r -> r.observedAt().equals(p.observedAt()) && r.position() >= p.position()))
                .orElse(false);
    }

    private boolean replicasBehind(Topology t) {
        return t.primary().map(p -> t.replicas().size() == replicas && t.replicas().stream()
                .allMatch(r -> r.observedAt().equals(p.observedAt()) && r.position() < p.position())).orElse(false);
    }

    private static String count(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM lag_it")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
