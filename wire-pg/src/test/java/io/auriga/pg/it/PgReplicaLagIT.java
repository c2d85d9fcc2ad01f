package io.auriga.pg.it;

import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.testing.ReplicaLagCheck;
import io.auriga.core.testing.StrictReader;
import io.auriga.sandbox.pg.PgSandbox;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reader endpoint's {@code max-lag} with a quiet PostgreSQL primary ({@link ReplicaLagCheck}):
 * replay is paused with {@code pg_wal_replay_pause()} on both replicas.
 */
class PgReplicaLagIT {
    private static final Duration MAX_LAG = Duration.ofSeconds(5);

    @RegisterExtension
    static final DedicatedFixture<ProxiedCluster> CLUSTER = ProxiedCluster.dedicated(false, c -> StrictReader.of(c, MAX_LAG));

    @Test
    void aReplicaBehindAQuietPrimarysLastCommitStaysReadableUntilMaxLagHasPassed() throws Exception {
        ProxiedCluster cluster = CLUSTER.get();
        new ReplicaLagCheck(cluster.server().topology("main"), 2, cluster::writer, cluster::reader, paused -> {
            for (PgSandbox.Instance replica : cluster.sandbox().replicas()) {
                try (Connection c = cluster.admin(replica); Statement st = c.createStatement()) {
                    st.execute(paused ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()");
                }
            }
        }, MAX_LAG).run();
    }
}
