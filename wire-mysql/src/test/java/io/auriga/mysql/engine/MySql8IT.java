package io.auriga.mysql.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.AurigaConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.EndpointConfig;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.config.UserConfig;
import io.auriga.core.AurigaServer;
import io.auriga.core.testing.TestTransport;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.MySQLContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * MySQL 8.4 behind the proxy, in containers: a GTID primary and a replica set up with the
 * statements {@link ServerFlavour#MYSQL} writes (which otherwise only ever run against MariaDB in
 * this project's tests), then the proxy in front of both.
 *
 * <p>Needs a Docker engine; without one the whole class is disabled by {@code @Testcontainers} and
 * reported as skipped, at no cost (no image is pulled, nothing waits). The images are pulled on first
 * use, which can take minutes.
 *
 * <p>It checks the replication, read-only, position and semi-sync statements of the MySQL flavour
 * against a real server, the monitor's role detection ({@link MariaDbProbe} on MySQL: {@code @@read_only}
 * with {@code super_read_only}, {@code SHOW REPLICA STATUS}, GTID set positions) and MySQL Connector/J
 * through the writer and reader endpoints as a config user (the database's own accounts are read from
 * {@code mysql.global_priv}, which only MariaDB has).
 *
 * <p>Backend logins from the proxy use mysql_native_password, which MySQL 8.4 only loads with
 * {@code --mysql-native-password=ON}; the accounts the proxy uses are created with it.
 */
@Testcontainers(disabledWithoutDocker = true)
class MySql8IT {
    private static final DockerImageName IMAGE = DockerImageName.parse("mysql:8.4");
    private static final String ROOT_PASSWORD = "root-pw";
    private static final String ADMIN = "auriga_admin";
    private static final String ADMIN_PASSWORD = "admin-pw";
    private static final String REPLICATION = "repl";
    private static final String REPLICATION_PASSWORD = "repl-pw";
    private static final String APP = "app";
    private static final String APP_PASSWORD = "app-pw";
    private static final String DATABASE = "auriga";

    private static Network network;
    private static MySQLContainer<?> primary;
    private static MySQLContainer<?> replica;
    private static AurigaServer auriga;

    @BeforeAll
    static void start() throws Exception {
        network = Network.newNetwork();
        primary = mysql("my1", 1);
        replica = mysql("my2", 2);
        primary.start();
        replica.start();
        // Only loopback addresses may be reached from the tests: a remote Docker host is not used.
        assumeTrue(InetAddress.getByName(primary.getHost()).isLoopbackAddress(),
                "the Docker host " + primary.getHost() + " is not a loopback address");
        // Both start from the image's own setup; forget its binary logs so the replica takes exactly
        // what the primary does from now on.
        for (MySQLContainer<?> c : List.of(primary, replica)) {
            execute(c, "RESET BINARY LOGS AND GTIDS");
        }
        execute(primary,
                "CREATE USER " + ADMIN + "@'%' IDENTIFIED WITH mysql_native_password BY '" + ADMIN_PASSWORD + "'",
                "GRANT ALL ON *.* TO " + ADMIN + "@'%' WITH GRANT OPTION",
                "CREATE USER " + REPLICATION + "@'%' IDENTIFIED WITH mysql_native_password BY '"
                        + REPLICATION_PASSWORD + "'",
                "GRANT REPLICATION SLAVE ON *.* TO " + REPLICATION + "@'%'",
                "CREATE USER " + APP + "@'%' IDENTIFIED WITH mysql_native_password BY '" + APP_PASSWORD + "'",
                "CREATE DATABASE " + DATABASE,
                "GRANT ALL ON " + DATABASE + ".* TO " + APP + "@'%'");
        ServerFlavour f = ServerFlavour.MYSQL;
        execute(replica, f.readOnlyOn().toArray(String[]::new));
        execute(replica, f.changeSource("my1", 3306, new Credentials(REPLICATION,
                new Secret(REPLICATION_PASSWORD, "test"))), f.startReplica());
        awaitReplicated(DATABASE);

        auriga = new AurigaServer(config(), Map.of(Engine.MYSQL, new MariaDbEngineSupport(Clock.systemUTC())),
                Clock.systemUTC());
        auriga.start();
    }

    @AfterAll
    static void stop() {
        if (auriga != null) {
            auriga.close();
        }
        for (MySQLContainer<?> c : new MySQLContainer<?>[] {replica, primary}) {
            if (c != null) {
                c.stop();
            }
        }
        if (network != null) {
            network.close();
        }
    }

    @Test
    void theServerIsDetectedAsMySql() throws Exception {
        try (Connection c = root(primary); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@version, @@version_comment")) {
            rs.next();
            assertEquals(ServerFlavour.MYSQL, ServerFlavour.detect(rs.getString(1), rs.getString(2)));
        }
    }

    @Test
    void theReplicaRunsWithTheStatusColumnsTheFlavourNames() throws Exception {
        ServerFlavour f = ServerFlavour.MYSQL;
        try (Connection c = root(replica); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(f.showReplicaStatus)) {
            assertTrue(rs.next(), "a replication source is configured");
            assertEquals("Yes", rs.getString(f.ioRunningColumn));
            assertEquals("Yes", rs.getString(f.sqlRunningColumn));
            assertEquals("my1", rs.getString(f.sourceHostColumn));
            assertEquals(3306, rs.getInt(f.sourcePortColumn));
            assertEquals(REPLICATION, rs.getString(f.sourceUserColumn));
            assertFalse(rs.getString(f.receivedColumn).isBlank(), "something was received");
        }
    }

    @Test
    void theReplicaWaitsForThePrimarysWritePosition() throws Exception {
        ServerFlavour f = ServerFlavour.MYSQL;
        execute(primary, "CREATE TABLE IF NOT EXISTS " + DATABASE + ".positions (id INT PRIMARY KEY)",
                "REPLACE INTO " + DATABASE + ".positions VALUES (1)");
        String position;
        try (Connection c = root(primary); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(f.writePositionQuery)) {
            rs.next();
            position = rs.getString(1);
        }
        try (Connection c = root(replica); PreparedStatement ps = c.prepareStatement(f.waitForPosition)) {
            ps.setString(1, position);
            ps.setLong(2, 30);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getLong(1), "the replica applied " + position);
            }
        }
        // Stopping and restarting only the receiver, as a switchover does, is accepted.
        execute(replica, f.stopReceiver(), f.startReceiver());
    }

    @Test
    void readOnlyIncludesSuperReadOnlyAndCanBeLifted() throws Exception {
        ServerFlavour f = ServerFlavour.MYSQL;
        assertEquals("1 1", variables(replica, "@@read_only", "@@super_read_only"));
        execute(replica, f.readOnlyOff().toArray(String[]::new));
        assertEquals("0 0", variables(replica, "@@read_only", "@@super_read_only"));
        execute(replica, f.readOnlyOn().toArray(String[]::new));
        assertEquals("1 1", variables(replica, "@@read_only", "@@super_read_only"));
    }

    @Test
    void theSemiSyncVariablesHaveTheNamesTheFlavourUses() throws Exception {
        ServerFlavour f = ServerFlavour.MYSQL;
        execute(primary, "INSTALL PLUGIN rpl_semi_sync_source SONAME 'semisync_source.so'");
        try {
            execute(primary, ServerFlavour.setGlobal(f.semiSyncPrimaryWaitPoint(), "AFTER_SYNC"),
                    ServerFlavour.setGlobal(f.semiSyncPrimaryWaitNoReplica(), "OFF"),
                    ServerFlavour.setGlobal(f.semiSyncPrimaryTimeout(), "1000"));
            assertEquals("0", variables(primary, "@@" + f.semiSyncPrimaryEnabled()));
            try (Connection c = root(primary); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW STATUS LIKE '" + f.semiSyncPrimaryStatus() + "'")) {
                assertTrue(rs.next(), f.semiSyncPrimaryStatus() + " exists");
            }
        } finally {
            execute(primary, "UNINSTALL PLUGIN rpl_semi_sync_source");
        }
    }

    @Test
    void theProxyObservesThePrimaryAndTheReplica() {
        Topology topology = awaitTopology();
        assertEquals(Role.PRIMARY, topology.instance("my1").orElseThrow().role(), topology.toString());
        assertEquals(Role.REPLICA, topology.instance("my2").orElseThrow().role(), topology.toString());
    }

    @Test
    void connectorJReachesThePrimaryThroughTheWriterAndTheReplicaThroughTheReader() throws Exception {
        awaitTopology();
        Properties p = new Properties();
        p.setProperty("user", APP);
        p.setProperty("password", APP_PASSWORD);
        p.setProperty("connectTimeout", "10000");
        String writer = "jdbc:mysql://127.0.0.1:" + auriga.port("main", "writer") + "/" + DATABASE;
        try (Connection c = DriverManager.getConnection(writer, p); Statement st = c.createStatement()) {
            assertEquals("0 1", query(st, "SELECT CONCAT(@@read_only, ' ', @@server_id)"));
            assertTrue(query(st, "SELECT @@version").startsWith("8.4"));
            st.execute("CREATE TABLE IF NOT EXISTS through_writer (id INT PRIMARY KEY)");
            st.execute("REPLACE INTO through_writer VALUES (42)");
        }
        String reader = "jdbc:mysql://127.0.0.1:" + auriga.port("main", "reader") + "/" + DATABASE;
        try (Connection c = DriverManager.getConnection(reader, p); Statement st = c.createStatement()) {
            assertEquals("1 1 2", query(st, "SELECT CONCAT(@@read_only, ' ', @@super_read_only, ' ', @@server_id)"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String seen = "";
            while (!seen.equals("1") && System.nanoTime() < deadline) {
                seen = query(st, "SELECT COUNT(*) FROM through_writer WHERE id = 42");
                Thread.sleep(100);
            }
            assertEquals("1", seen, "the row written through the writer replicated to the reader's instance");
        }
    }

    private static MySQLContainer<?> mysql(String alias, int serverId) {
        return new MySQLContainer<>(IMAGE)
                .withNetwork(network)
                .withNetworkAliases(alias)
                .withPassword(ROOT_PASSWORD)
                .withCommand("--server-id=" + serverId, "--gtid-mode=ON", "--enforce-gtid-consistency=ON",
                        "--log-bin=binlog", "--mysql-native-password=ON")
                .withStartupTimeout(Duration.ofMinutes(3));
    }

    /** The proxy over both containers: no automatic failover (their addresses are the mapped ports). */
    private static AurigaConfig config() {
        List<InstanceConfig> instances = List.of(
                new InstanceConfig("my1", primary.getHost(), primary.getMappedPort(3306), 0, false),
                new InstanceConfig("my2", replica.getHost(), replica.getMappedPort(3306), 1, false));
        List<EndpointConfig> endpoints = List.of(
                new EndpointConfig("writer", EndpointConfig.EndpointRole.WRITER, "127.0.0.1", 0,
                        EndpointConfig.Balance.ROUND_ROBIN, null, false, List.of()),
                new EndpointConfig("reader", EndpointConfig.EndpointRole.READER, "127.0.0.1", 0,
                        EndpointConfig.Balance.ROUND_ROBIN, Duration.ofSeconds(10), false, List.of()));
        ClusterConfig cluster = new ClusterConfig("main", Engine.MYSQL, instances,
                new Credentials(ADMIN, new Secret(ADMIN_PASSWORD, "test")), endpoints,
                new FailoverConfig(false, Duration.ofMillis(500), 3, Duration.ofSeconds(2), Duration.ofSeconds(10)));
        ServerConfig d = ServerConfig.defaults();
        // The application user is a config user: the database's own accounts are read from
        // mysql.global_priv, which only MariaDB has.
        return new AurigaConfig(List.of(cluster),
                List.of(new UserConfig(APP, new Secret(APP_PASSWORD, "test"), null, false)),
                TlsConfig.disabled(), new AdminConfig("127.0.0.1", 0),
                new ServerConfig("127.0.0.1", 1, TestTransport.configured(),
                        Duration.ofSeconds(10), d.connectTimeout(), d.maxStartupPacket(), d.userCacheTtl()));
    }

    private static Topology awaitTopology() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Topology t = auriga.topology("main").current();
        while (System.nanoTime() < deadline && !(t.primary().isPresent() && t.replicas().size() == 1)) {
            sleep(100);
            t = auriga.topology("main").current();
        }
        return t;
    }

    private static void awaitReplicated(String database) throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = root(replica); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '"
                         + database + "'")) {
                rs.next();
                if (rs.getInt(1) == 1) {
                    return;
                }
            }
            sleep(200);
        }
        throw new IllegalStateException("the replica never received database " + database);
    }

    private static Connection root(MySQLContainer<?> c) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "root");
        p.setProperty("password", ROOT_PASSWORD);
        p.setProperty("allowPublicKeyRetrieval", "true");
        p.setProperty("connectTimeout", "10000");
        return DriverManager.getConnection("jdbc:mysql://" + c.getHost() + ":" + c.getMappedPort(3306) + "/", p);
    }

    private static void execute(MySQLContainer<?> c, String... statements) throws SQLException {
        try (Connection conn = root(c); Statement st = conn.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    private static String variables(MySQLContainer<?> c, String... names) throws SQLException {
        try (Connection conn = root(c); Statement st = conn.createStatement()) {
            return query(st, "SELECT CONCAT_WS(' ', " + String.join(", ", names) + ")");
        }
    }

    private static String query(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
