package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.sandbox.pg.PgSandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

/**
 * Unplanned failover on a cluster of its own: the primary's postmaster is killed with SIGKILL;
 * a replica is promoted, the writer endpoint follows it, the other replica streams from it, and
 * the old primary, restarted, is fenced: never routed to, made read-only; then the cluster's
 * rejoin-command is run for it, and once that has made it a replica it serves reads again.
 */
class PgFailoverIT {
    /** Where the rejoin command posts its request and waits for the test's answer. */
    private static final Path REJOIN = tempDir();
    /** Auriga reaches the first primary through this link, which can keep requests from it. */
    private static FaultyLink LINK;
    @RegisterExtension
    static final DedicatedFixture<ProxiedCluster> CLUSTER = ProxiedCluster.dedicated(false, PgFailoverIT::withRejoinCommand);
    private static final String LABEL = "failover";
    private static ProxiedCluster cluster;

    /**
     * A rejoin command standing for the operator's tooling: it hands its environment to the test,
     * which does the rejoin with the sandbox and answers with the exit status to report.
     */
    private static ClusterConfig withRejoinCommand(ClusterConfig c) {
        String command = "env | grep '^AURIGA_' | sort > '" + REJOIN + "/request.tmp' && mv '" + REJOIN
                + "/request.tmp' '" + REJOIN + "/request'; echo waiting for the rejoin; i=0; "
                + "while [ ! -f '" + REJOIN + "/done' ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; "
                + "exit \"$(cat '" + REJOIN + "/done' 2>/dev/null || echo 9)\"";
        InstanceConfig first = c.instances().get(0);
        try {
            LINK = new FaultyLink(first.port());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<InstanceConfig> instances = new ArrayList<>(c.instances());
        instances.set(0, new InstanceConfig(first.name(), first.host(), LINK.port(), first.promotionTier(),
                first.noFailover()));
        return new ClusterConfig(c.name(), c.engine(), instances, c.adminCredentials(), c.endpoints(),
                c.failover().withRejoinCommand(command, Duration.ofMinutes(3)), c.durability());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("auriga-rejoin-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void bind() {
        cluster = CLUSTER.get();
    }

    @AfterAll
    static void removeRejoinFiles() throws IOException {
        LINK.close();
        try (var files = Files.list(REJOIN)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(REJOIN);
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

        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            FailoverChecks.createMarker(st, LABEL);
        }
        Connection idle = FailoverChecks.idleSessionWithState(cluster, LABEL);
        Connection tokenIdle = FailoverChecks.idleTokenSession(cluster, LABEL);
        HikariDataSource pool = FailoverChecks.pool(cluster);
        // pgjdbc switches to a named server-side statement after five executions.
        FailoverChecks.usePool(pool, "SELECT count(*) FROM failover_it WHERE id > ?", 6, -1);
        Connection inTransaction = cluster.writer();
        inTransaction.setAutoCommit(false);
        try (Statement st = inTransaction.createStatement()) {
            st.execute("INSERT INTO failover_it (id) VALUES (100)");
        }
        Connection listening = cluster.writer();
        try (Statement st = listening.createStatement()) {
            st.execute("LISTEN failover_it_channel");
        }

        // A request still on its way to the backend when the postmaster dies: the backend, waiting
        // for it, gives up first ("unexpected postmaster exit"), so it never ran and must run on the
        // new primary with no error.
        Connection racing = cluster.writer();
        LINK.holdRequests();
        CompletableFuture<Integer> raced = CompletableFuture.supplyAsync(() -> {
            try (Statement st = racing.createStatement(); ResultSet rs = st.executeQuery(
                    "INSERT INTO failover_it (id) VALUES (3) RETURNING inet_server_port()")) {
                rs.next();
                return rs.getInt(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
            }
        });
        Thread.sleep(200);
        long killedAt = System.nanoTime();
        killPostmaster(sandbox.instance(oldPrimary));
        int newPrimaryPort = FailoverChecks.writeUntilAccepted(cluster, "failover_it", 2, Duration.ofSeconds(30));
        long unavailableMillis = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.println("writes were unavailable for " + unavailableMillis + " ms after SIGKILL of the primary");

        assertNotEquals(sandbox.primary().port(), newPrimaryPort, "writes moved off the killed primary");
        assertEquals(newPrimaryPort, raced.get(30, TimeUnit.SECONDS),
                "a request its backend died before reading ran on the new primary, with no error");
        racing.close();
        Topology after = topology();
        assertTrue(after.epoch() > epochBefore, "a new primary raises the epoch");
        assertEquals(Role.FENCED, after.instance(oldPrimary).orElseThrow().role());
        assertEquals(newPrimaryPort, after.primary().orElseThrow().config().port());

        // The surviving replica follows the new primary: a row written now reaches the reader endpoint.
        awaitReplicated(3);

        FailoverChecks.idleSessionSurvived(idle, LABEL, newPrimaryPort);
        FailoverChecks.idleTokenSessionSurvived(tokenIdle, LABEL, newPrimaryPort);
        FailoverChecks.poolSurvived(pool,
                "SELECT count(*), inet_server_port() FROM failover_it WHERE id > ? GROUP BY 2", 1, newPrimaryPort);
        SQLException inTx = assertThrows(SQLException.class, () -> {
            try (Statement st = inTransaction.createStatement()) {
                st.execute("INSERT INTO failover_it (id) VALUES (101)");
            }
        });
        assertEquals("40001", inTx.getSQLState(), "a transaction cut by failover may be retried: " + inTx.getMessage());
        assertTrue(inTx.getMessage().contains("failover"), inTx.getMessage());
        inTransaction.rollback();
        inTransaction.setAutoCommit(true);
        try (Statement st = inTransaction.createStatement(); ResultSet rs = st.executeQuery(
                "INSERT INTO failover_it (id) VALUES (101) RETURNING inet_server_port()")) {
            rs.next();
            assertEquals(newPrimaryPort, rs.getInt(1), "after the rollback the same connection works on the new primary");
        }
        // ROLLBACK was prepared by name (S_1) while the stand-in answered; the backend must know it now.
        inTransaction.setAutoCommit(false);
        try (Statement st = inTransaction.createStatement()) {
            st.execute("INSERT INTO failover_it (id) VALUES (102)");
        }
        inTransaction.rollback();
        inTransaction.setAutoCommit(true);
        PSQLException pinned = assertThrows(PSQLException.class, () -> {
            try (Statement st = listening.createStatement()) {
                st.execute("SELECT 1");
            }
        });
        assertTrue(pinned.getSQLState().startsWith("08"), pinned.getSQLState());
        assertTrue(String.valueOf(pinned.getServerErrorMessage()).contains("LISTEN"),
                "the error says why the session could not move: " + pinned.getServerErrorMessage());
        pool.close();
        idle.close();
        tokenIdle.close();
        inTransaction.close();
        listening.close();

        sandbox.startInstance(oldPrimary);
        assertTrue(poll(Duration.ofSeconds(30),
                () -> FailoverChecks.readOnly(cluster, sandbox.instance(oldPrimary))),
                "the returning primary was made read-only");
        assertEquals(Role.FENCED, topology().instance(oldPrimary).orElseThrow().role());
        try (Connection c = cluster.writer(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT inet_server_port(), count(*) FROM failover_it GROUP BY 1")) {
            rs.next();
            assertEquals(newPrimaryPort, rs.getInt(1), "the writer endpoint never returns to the fenced instance");
            assertEquals(4, rs.getInt(2), "rows 1, 2, 3 (the request sent again), and 101 written after the lost "
                    + "transaction was rolled back");
        }
        rejoinedByTheConfiguredCommand(oldPrimary, newPrimaryPort);
    }

    private static void rejoinedByTheConfiguredCommand(String oldPrimary, int newPrimaryPort) throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        Path request = REJOIN.resolve("request");
        assertTrue(poll(Duration.ofSeconds(30), () -> Files.exists(request)),
                "Auriga ran the rejoin command for the fenced former primary");
        String newPrimary = topology().primary().orElseThrow().name();
        assertEquals(List.of("AURIGA_CLUSTER=main", "AURIGA_ENGINE=postgres", "AURIGA_INSTANCE=" + oldPrimary,
                        "AURIGA_INSTANCE_HOST=127.0.0.1",
                        "AURIGA_INSTANCE_PORT=" + LINK.port(), "AURIGA_PRIMARY=" + newPrimary,
                        "AURIGA_PRIMARY_HOST=127.0.0.1", "AURIGA_PRIMARY_PORT=" + newPrimaryPort),
                Files.readAllLines(request));
        assertEquals(Role.FENCED, topology().instance(oldPrimary).orElseThrow().role(),
                "the instance stays fenced while the command runs");
        sandbox.rejoin(oldPrimary, newPrimary);
        Files.writeString(REJOIN.resolve("done"), "0");
        assertTrue(poll(Duration.ofSeconds(30),
                        () -> topology().instance(oldPrimary).orElseThrow().role() == Role.REPLICA),
                "the rejoined instance is a replica again: " + topology());
        assertTrue(topology().replicas().stream().anyMatch(r -> r.name().equals(oldPrimary)),
                "and serves the reader endpoint");
    }

    /**
     * SIGKILL to the postmaster alone, as when it crashes: its backends live on for a moment, and
     * each tells its client the postmaster is gone as soon as it notices.
     */
    private static void killPostmaster(PgSandbox.Instance instance) throws IOException {
        long pid = Long.parseLong(Files.readAllLines(instance.dataDir().resolve("postmaster.pid")).get(0).strip());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    }

    /** An idle session with SETs and a server-side prepared statement, the state a move must carry. */
    private static Topology topology() {
        return cluster.server().topology("main").current();
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

}
