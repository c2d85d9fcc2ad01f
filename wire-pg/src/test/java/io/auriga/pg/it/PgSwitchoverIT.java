package io.auriga.pg.it;

import static io.auriga.core.testing.Poll.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.auriga.config.AurigaConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.Engine;
import io.auriga.config.InstanceConfig;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.admin.SwitchoverJson;
import io.auriga.core.testing.DedicatedFixture;
import io.auriga.core.testing.SwitchoverRequests;
import io.auriga.core.testing.TestTransport;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.auriga.pg.engine.PgEngineSupport;
import io.auriga.sandbox.pg.PgSandbox;
import io.auriga.sandbox.pg.SandboxCluster;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Planned switchover on a cluster of its own, under a steady write load through the writer
 * endpoint: no client sees an error, no acknowledged commit is lost, idle sessions (SETs,
 * server-prepared statements, a HikariCP pool) carry on on the new primary, the old primary
 * comes back as a replica in the reader pool, and a switchover back works too.
 */
class PgSwitchoverIT {
    @RegisterExtension
    static final DedicatedFixture<ProxiedCluster> CLUSTER = ProxiedCluster.dedicated(true);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String LABEL = "switchover";
    /** Returns the server port second, as {@link FailoverChecks#usePool} wants to check it. */
    private static final String POOL_SQL = "SELECT count(*), inet_server_port() FROM switchover_it WHERE id > ? GROUP BY 2";
    private static ProxiedCluster cluster;

    @BeforeAll
    static void bind() {
        cluster = CLUSTER.get();
    }

    @Test
    void switchoverUnderWriteLoadShowsNoErrorAndLosesNoCommit() throws Exception {
        PgSandbox sandbox = cluster.sandbox();
        String first = topology().primary().orElseThrow().name();
        String second = topology().replicas().get(0).name();
        try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE switchover_it (id bigint PRIMARY KEY, port int)");
            FailoverChecks.createMarker(st, LABEL);
        }
        Connection idle = FailoverChecks.idleSessionWithState(cluster, LABEL);
        Connection tokenIdle = FailoverChecks.idleTokenSession(cluster, LABEL);
        HikariDataSource pool = FailoverChecks.pool(cluster);
        FailoverChecks.usePool(pool, POOL_SQL, 6, -1);
        Writer writer = new Writer();
        Thread load = new Thread(writer, "switchover-it-writer");
        load.start();
        try {
            writer.awaitAcks(50);
            long epochBefore = topology().epoch();

            SwitchoverJson.View there = switchoverSeenInTopology(second);
            assertEquals("completed", there.outcome(), there.message());
            assertEquals(first, there.oldPrimary());
            assertEquals(second, there.newPrimary());
            assertEquals("replica", there.formerPrimary(), there.message());
            assertTrue(there.pauseMillis() >= 0 && there.pauseMillis() < 10_000, "pause " + there.pauseMillis());
            System.out.println("switchover " + first + " -> " + second + ": writes held " + there.pauseMillis()
                    + " ms, " + there.durationMillis() + " ms in all");
            assertTrue(topology().epoch() > epochBefore, "a new primary raises the epoch");
            int secondPort = sandbox.instance(second).port();
            writer.awaitAckOn(secondPort);

            FailoverChecks.idleSessionSurvived(idle, LABEL, secondPort);
            FailoverChecks.idleTokenSessionSurvived(tokenIdle, LABEL, secondPort);
            FailoverChecks.poolSurvived(pool, POOL_SQL, 6, secondPort);
            formerPrimaryServesReads(first);

            SwitchoverJson.View back = switchover(first);
            assertEquals("completed", back.outcome(), back.message());
            assertEquals(first, back.newPrimary());
            assertEquals("replica", back.formerPrimary(), back.message());
            int firstPort = sandbox.instance(first).port();
            writer.awaitAckOn(firstPort);
            FailoverChecks.idleSessionSurvived(idle, LABEL, firstPort);
            FailoverChecks.idleTokenSessionSurvived(tokenIdle, LABEL, firstPort);
            FailoverChecks.poolSurvived(pool, POOL_SQL, 6, firstPort);
            formerPrimaryServesReads(second);
        } finally {
            writer.stop();
            load.join(30_000);
            pool.close();
            idle.close();
            tokenIdle.close();
        }
        assertEquals(List.of(), writer.errors, "no client saw an error");
        assertTrue(writer.acked.size() > 100, "the writer kept writing: " + writer.acked.size());
        try (Connection c = cluster.writer(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM switchover_it")) {
            java.util.Set<Long> present = new java.util.HashSet<>();
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
            List<Long> lost = writer.acked.keySet().stream().filter(id -> !present.contains(id)).sorted().toList();
            assertEquals(List.of(), lost, "every acknowledged insert is on the primary");
        }
        assertTrue(writer.acked.containsValue(sandbox.instance(second).port()), "writes landed on " + second);
    }

    @Test
    void refusesUnknownNamesAndIneligibleTargetsWithoutChangingAnything() throws Exception {
        String primary = topology().primary().orElseThrow().name();
        long epoch = topology().epoch();

        HttpResponse<String> unknown = SwitchoverRequests.post(cluster.server().adminPort(), "main", "pg9");
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertTrue(SwitchoverJson.parse(unknown.body()).message().contains("no instance 'pg9'"), unknown.body());
        HttpResponse<String> noCluster = SwitchoverRequests.post(cluster.server().adminPort(), "nope", null);
        assertEquals(404, noCluster.statusCode(), noCluster.body());
        HttpResponse<String> self = SwitchoverRequests.post(cluster.server().adminPort(), "main", primary);
        assertEquals(409, self.statusCode(), self.body());
        assertTrue(self.body().contains("already the primary"), self.body());
        HttpResponse<String> get = HTTP.send(SwitchoverRequests.authorized(cluster.server().adminPort(),
                "/switchover?cluster=main").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());

        // The same cluster seen through a second proxy whose config marks a replica no-failover.
        String guarded = topology().replicas().get(0).name();
        try (AurigaServer other = proxyWithNoFailover(guarded)) {
            HttpResponse<String> refused = SwitchoverRequests.post(other.adminPort(), "main", guarded);
            assertEquals(409, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("no-failover"), refused.body());
        }
        assertEquals(primary, topology().primary().orElseThrow().name(), "nothing changed");
        assertEquals(epoch, topology().epoch());
    }

    private static SwitchoverJson.View switchoverSeenInTopology(String target) throws Exception {
        return SwitchoverRequests.switchoverSeenInTopology(cluster.server().adminPort(), "main", target);
    }

    private static SwitchoverJson.View switchover(String target) throws Exception {
        return SwitchoverRequests.switchover(cluster.server().adminPort(), "main", target);
    }




    private static AurigaServer proxyWithNoFailover(String guarded) throws Exception {
        ClusterConfig base = SandboxCluster.config(cluster.sandbox(), "main", "127.0.0.1", 0, 0);
        List<InstanceConfig> instances = base.instances().stream()
                .map(i -> i.name().equals(guarded) ? new InstanceConfig(i.name(), i.host(), i.port(),
                        i.promotionTier(), true) : i)
                .toList();
        ClusterConfig guardedCluster = new ClusterConfig(base.name(), base.engine(), instances, base.adminCredentials(),
                base.endpoints(), base.failover());
        ServerConfig d = ServerConfig.defaults();
        AurigaConfig config = new AurigaConfig(List.of(guardedCluster), List.of(),
                TlsConfig.disabled(), SwitchoverRequests.admin(ProxiedCluster.freePort()),
                new ServerConfig("127.0.0.1", 1, TestTransport.configured(),
                        d.startupTimeout(), d.connectTimeout(), d.maxStartupPacket(), d.userCacheTtl()));
        Clock clock = Clock.systemUTC();
        AurigaServer server = new AurigaServer(config, Map.of(Engine.POSTGRES, new PgEngineSupport(clock)), clock);
        server.start();
        return server;
    }

    /** Autocommit INSERTs through the writer endpoint every few milliseconds, on one connection. */
    private static final class Writer implements Runnable {
        final Map<Long, Integer> acked = new ConcurrentHashMap<>();
        final List<String> errors = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);

        @Override
        public void run() {
            long id = 0;
            try (Connection c = cluster.writer(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO switchover_it (id, port) VALUES (?, inet_server_port()) RETURNING port")) {
                while (running.get()) {
                    id++;
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        acked.put(id, rs.getInt(1));
                    } catch (SQLException e) {
                        errors.add(id + ": " + e.getSQLState() + " " + e.getMessage());
                    }
                    Thread.sleep(5);
                }
            } catch (SQLException e) {
                errors.add("connection: " + e.getSQLState() + " " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            running.set(false);
        }

        void awaitAcks(int n) throws Exception {
            assertTrue(poll(Duration.ofSeconds(20), () -> acked.size() >= n), "writer started");
        }

        void awaitAckOn(int port) throws Exception {
            int before = acked.size();
            assertTrue(poll(Duration.ofSeconds(20),
                    () -> acked.size() > before + 5 && acked.entrySet().stream()
                            .anyMatch(e -> e.getValue() == port)), "writes landed on port " + port + "; errors "
                    + errors);
        }
    }

    /** The former primary is a replica in the topology and the reader endpoint sends sessions to it. */
    private static void formerPrimaryServesReads(String former) throws Exception {
        int port = cluster.sandbox().instance(former).port();
        assertTrue(poll(Duration.ofSeconds(30), () -> topology().instance(former)
                .map(i -> i.role() == Role.REPLICA && i.lagMillis() >= 0).orElse(false)), former + " is a replica: "
                + topology());
        assertTrue(poll(Duration.ofSeconds(20), () -> {
            try (Connection c = cluster.reader(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
                rs.next();
                return rs.getInt(1) == port && rs.getBoolean(2);
            }
        }), "the reader endpoint reaches " + former);
    }

    private static Topology topology() {
        return cluster.server().topology("main").current();
    }
}
