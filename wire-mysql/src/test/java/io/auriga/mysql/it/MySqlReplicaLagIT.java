package io.auriga.mysql.it;

import io.auriga.config.FailoverConfig;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.testing.ReplicaLagCheck;
import io.auriga.core.testing.StrictReader;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reader endpoint's {@code max-lag} with a quiet MariaDB primary ({@link ReplicaLagCheck}): the
 * replicas' SQL threads are stopped, so they receive the last commit without applying it, and
 * {@code Seconds_Behind_Master} is unknown while they stand. Skipped without MariaDB server binaries.
 */
class MySqlReplicaLagIT {
    private static final Duration MAX_LAG = Duration.ofSeconds(5);

    @RegisterExtension
    static final DedicatedFixture<ProxiedMariaDb> CLUSTER = ProxiedMariaDb.dedicated(new FailoverConfig(false, Duration.ofMillis(300), 3,
            Duration.ofSeconds(2), Duration.ofSeconds(30)), false, c -> StrictReader.of(c, MAX_LAG));

    @Test
    void aReplicaBehindAQuietPrimarysLastCommitStaysReadableUntilMaxLagHasPassed() throws Exception {
        ProxiedMariaDb cluster = CLUSTER.get();
        new ReplicaLagCheck(cluster.server().topology("main"), 2, () -> cluster.mariadb(cluster.writerPort(), ""),
                () -> cluster.mariadb(cluster.readerPort(), ""), paused -> {
                    for (MariaDbSandbox.Instance replica : cluster.sandbox().replicas()) {
                        try (Connection c = cluster.admin(replica); Statement st = c.createStatement()) {
                            st.execute(paused ? "STOP SLAVE SQL_THREAD" : "START SLAVE SQL_THREAD");
                        }
                    }
                }, MAX_LAG).run();
    }
}
