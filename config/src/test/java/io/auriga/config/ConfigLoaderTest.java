package io.auriga.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.EndpointConfig.Balance;
import io.auriga.config.EndpointConfig.EndpointRole;
import io.auriga.config.TlsConfig.TlsMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading valid files: the records, the defaults and the secrets. */
class ConfigLoaderTest {
    private static final Map<String, String> ENV = Map.of(
            "AURIGA_ADMIN_PASSWORD", "admin-secret",
            "APP_PASSWORD", "app-secret");

    /** The example of DESIGN.md, word for word. */
    private static final String DESIGN_EXAMPLE = """
            clusters:
              - name: main
                engine: postgres                # postgres | mysql
                instances:
                  - { name: pg1, host: 10.0.0.1, port: 5432, promotion-tier: 0 }
                  - { name: pg2, host: 10.0.0.2, port: 5432, promotion-tier: 1 }
                admin-credentials: { user: auriga_admin, password-env: AURIGA_ADMIN_PASSWORD }
                endpoints:
                  - { name: writer, role: writer, port: 6432 }
                  - { name: reader, role: reader, port: 6433, balance: round-robin, max-lag: 1s, fallback-to-writer: true }
                  - { name: reporting, role: custom, instances: [pg2], port: 6434 }
                failover: { auto: true, probe-interval: 500ms, failure-threshold: 3 }
            users:
              - { name: app, password-env: APP_PASSWORD }        # or scram-verifier:, or token: true
            tls: { mode: optional, cert: server.crt, key: server.key }   # disabled | optional | required
            admin: { port: 6480 }
            """;

    private static final String MINIMAL = """
            clusters:
              - name: main
                engine: postgres
                instances:
                  - { name: pg1, host: 10.0.0.1 }
                admin-credentials: { user: admin, password-env: AURIGA_ADMIN_PASSWORD }
            """;

    @TempDir
    Path dir;

    @Test
    void loadsTheDesignExample() throws Exception {
        writeTlsFiles();
        AurigaConfig config = ConfigLoader.parse(DESIGN_EXAMPLE, "auriga.yaml", dir, ENV);

        ClusterConfig main = config.clusters().get(0);
        assertEquals("main", main.name());
        assertEquals(Engine.POSTGRES, main.engine());
        assertEquals(List.of(new InstanceConfig("pg1", "10.0.0.1", 5432, 0, false),
                new InstanceConfig("pg2", "10.0.0.2", 5432, 1, false)), main.instances());
        assertEquals("auriga_admin", main.adminCredentials().user());
        assertEquals("admin-secret", main.adminCredentials().password().reveal());
        assertEquals("env AURIGA_ADMIN_PASSWORD", main.adminCredentials().password().source());
        assertEquals(new FailoverConfig(true, Duration.ofMillis(500), 3, Duration.ofSeconds(1), Duration.ofSeconds(30)),
                main.failover());

        assertEquals(new EndpointConfig("writer", EndpointRole.WRITER, "0.0.0.0", 6432, Balance.ROUND_ROBIN,
                Duration.ofSeconds(10), false, List.of()), main.endpoints().get(0));
        assertEquals(new EndpointConfig("reader", EndpointRole.READER, "0.0.0.0", 6433, Balance.ROUND_ROBIN,
                Duration.ofSeconds(1), true, List.of()), main.endpoints().get(1));
        assertEquals(new EndpointConfig("reporting", EndpointRole.CUSTOM, "0.0.0.0", 6434, Balance.ROUND_ROBIN,
                Duration.ofSeconds(10), false, List.of("pg2")), main.endpoints().get(2));

        UserConfig app = config.users().get(0);
        assertEquals("app", app.name());
        assertEquals("app-secret", app.password().reveal());
        assertNull(app.scramVerifier());
        assertFalse(app.token());

        assertEquals(new TlsConfig(TlsMode.OPTIONAL, dir.resolve("server.crt"), dir.resolve("server.key")), config.tls());
        assertEquals(new AdminConfig("127.0.0.1", 6480), config.admin());
        assertEquals(ServerConfig.defaults(), config.server());
    }

    @Test
    void fillsEveryDefault() throws Exception {
        AurigaConfig config = parse(MINIMAL + """
                    endpoints:
                      - { name: reader, role: reader, port: 6433 }
                """);

        ClusterConfig main = config.clusters().get(0);
        assertEquals(new InstanceConfig("pg1", "10.0.0.1", 5432, 0, false), main.instances().get(0));
        assertEquals(FailoverConfig.defaults(), main.failover());
        assertEquals(Durability.ASYNC, main.durability());
        EndpointConfig reader = main.endpoints().get(0);
        assertEquals("0.0.0.0", reader.host());
        assertEquals(Balance.ROUND_ROBIN, reader.balance());
        assertEquals(Duration.ofSeconds(10), reader.maxLag());
        assertFalse(reader.fallbackToWriter());
        assertEquals(List.of(), config.users());
        assertEquals(TlsConfig.disabled(), config.tls());
        assertEquals(AdminConfig.defaults(), config.admin());
        assertEquals(ServerConfig.defaults(), config.server());
    }

    @Test
    void defaultsTheInstancePortByEngine() throws Exception {
        AurigaConfig config = parse(MINIMAL.replace("postgres", "mysql"));
        assertEquals(Engine.MYSQL, config.clusters().get(0).engine());
        assertEquals(3306, config.clusters().get(0).instances().get(0).port());
    }

    @Test
    void readsEveryOptionalField() throws Exception {
        AurigaConfig config = parse("""
                clusters:
                  - name: main
                    engine: postgres
                    instances:
                      - { name: pg1, host: db1, port: 5433, promotion-tier: 2, no-failover: true }
                      - { name: pg2, host: db2 }
                    admin-credentials: { user: admin, password: 'inline-secret' }
                    endpoints:
                      - { name: r, role: reader, host: 10.1.1.1, port: 7000, balance: least-connections, max-lag: 0 }
                      - { name: one, role: instance, instances: [pg2], port: 7001 }
                    failover: { auto: false, probe-interval: 1s, failure-threshold: 5, probe-timeout: 750ms, failover-timeout: 1m,
                                switchover-drain: 2s, rejoin-command: '/opt/db/rejoin.sh --quiet', rejoin-timeout: 2m }
                admin: { host: 0.0.0.0, port: 0 }
                server: { bind: 127.0.0.2, io-threads: 4, transport: epoll, startup-timeout: 20s, connect-timeout: 3s, max-startup-packet: 20000, user-cache-ttl: 0,
                          max-connections: 500, max-startup-per-address: 20,
                          login-throttle: { after-failures: 3, delay: 500ms, max-delay: 15s } }
                """);

        ClusterConfig main = config.clusters().get(0);
        assertEquals(new InstanceConfig("pg1", "db1", 5433, 2, true), main.instances().get(0));
        assertEquals("inline-secret", main.adminCredentials().password().reveal());
        assertEquals("inline", main.adminCredentials().password().source());
        assertEquals(new EndpointConfig("r", EndpointRole.READER, "10.1.1.1", 7000, Balance.LEAST_CONNECTIONS,
                Duration.ZERO, false, List.of()), main.endpoints().get(0));
        assertEquals(EndpointRole.INSTANCE, main.endpoints().get(1).role());
        assertEquals("127.0.0.2", main.endpoints().get(1).host(), "an endpoint without host listens on server.bind");
        assertEquals(new FailoverConfig(false, Duration.ofSeconds(1), 5, Duration.ofMillis(750), Duration.ofMinutes(1),
                Duration.ofSeconds(2), "/opt/db/rejoin.sh --quiet", Duration.ofMinutes(2)), main.failover());
        assertEquals(new AdminConfig("0.0.0.0", 0), config.admin());
        assertEquals(new ServerConfig("127.0.0.2", 4, IoTransport.EPOLL, Duration.ofSeconds(20), Duration.ofSeconds(3), 20_000,
                Duration.ZERO, 500, 20, new LoginThrottleConfig(3, Duration.ofMillis(500), Duration.ofSeconds(15))),
                config.server());
    }

    @Test
    void readsDurability() throws Exception {
        String cluster = """
                clusters:
                  - name: main
                    engine: postgres
                    instances:
                      - { name: pg1, host: db1 }
                      - { name: pg2, host: db2 }
                      - { name: pg3, host: db3, no-failover: true }
                    admin-credentials: { user: admin, password: 'inline-secret' }
                    durability: %s
                """;
        assertEquals(Durability.QUORUM, parse(cluster.formatted("quorum")).clusters().get(0).durability());
        assertEquals(Durability.ASYNC, parse(cluster.formatted("async")).clusters().get(0).durability());
    }

    @Test
    void acceptsQuorumForMysqlClusters() throws Exception {
        String cluster = """
                clusters:
                  - name: main
                    engine: mysql
                    instances:
                      - { name: my1, host: db1, port: 3306 }
                      - { name: my2, host: db2, port: 3306 }
                    admin-credentials: { user: admin, password: 'inline-secret' }
                    durability: quorum
                """;
        assertEquals(Durability.QUORUM, parse(cluster).clusters().get(0).durability());
    }

    /** One cluster of one instance; the engine, then lines to add under the cluster. */
    private static final String ONE_INSTANCE = """
            clusters:
              - name: main
                engine: %s
                instances:
                  - { name: db1, host: db1 }
                admin-credentials: { user: admin, password: 'inline-secret' }
            %s""";

    @Test
    void readsMysqlOptionsWithDefaultsThatChangeNothing() throws Exception {
        String cluster = ONE_INSTANCE.formatted("mysql", "%s");
        assertEquals(MySqlOptions.DEFAULTS, parse(cluster.formatted("")).clusters().get(0).mysql());
        assertTrue(MySqlOptions.DEFAULTS.localInfile(), "LOCAL INFILE is relayed unless refused");
        assertEquals(MySqlOptions.AuthPlugin.MYSQL_NATIVE_PASSWORD, MySqlOptions.DEFAULTS.authPlugin());
        assertEquals(16, MySqlOptions.DEFAULTS.poolSize(), "backend connections are reused unless turned off");
        assertEquals(new MySqlOptions(false, MySqlOptions.AuthPlugin.CACHING_SHA2_PASSWORD, 0, Duration.ofMinutes(1)),
                parse(cluster.formatted("    mysql: { local-infile: false, auth-plugin: caching_sha2_password,"
                        + " pool-size: 0, pool-idle-timeout: 1m }\n")).clusters().get(0).mysql());
        assertEquals(new MySqlOptions(true, MySqlOptions.AuthPlugin.MYSQL_NATIVE_PASSWORD, 16, Duration.ofSeconds(10)),
                parse(cluster.formatted("    mysql: { auth-plugin: mysql_native_password }\n")).clusters().get(0).mysql());
    }

    @Test
    void readsPostgresOptions() throws Exception {
        String cluster = ONE_INSTANCE.formatted("postgres", "%s");
        assertEquals(PostgresOptions.DEFAULTS, parse(cluster.formatted("")).clusters().get(0).postgres());
        assertEquals(16, PostgresOptions.DEFAULTS.poolSize(), "backend connections are reused unless turned off");
        assertEquals(new PostgresOptions(0, Duration.ofMinutes(1)), parse(cluster.formatted(
                "    postgres: { pool-size: 0, pool-idle-timeout: 1m }\n")).clusters().get(0).postgres());
    }

    @Test
    void readsPasswordFileRelativeToTheConfigDirectoryWithoutItsNewline() throws Exception {
        Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(dir.resolve("secrets/app"), "pa ss\n\n");
        Files.writeString(dir.resolve("admin"), "admin-pw\r\n");
        AurigaConfig config = parse(MINIMAL.replace("password-env: AURIGA_ADMIN_PASSWORD", "password-file: admin") + """
                users:
                  - { name: app, password-file: secrets/app }
                """);

        Secret app = config.users().get(0).password();
        assertEquals("pa ss\n", app.reveal(), "only one trailing newline is dropped");
        assertEquals("file " + dir.resolve("secrets/app"), app.source());
        assertEquals("admin-pw", config.clusters().get(0).adminCredentials().password().reveal());
    }

    @Test
    void loadResolvesRelativePathsAgainstTheFilesDirectory() throws Exception {
        Files.writeString(dir.resolve("admin.pw"), "from-file\n");
        Path file = dir.resolve("auriga.yaml");
        Files.writeString(file, MINIMAL.replace("password-env: AURIGA_ADMIN_PASSWORD", "password-file: admin.pw"));

        AurigaConfig config = ConfigLoader.load(file);
        assertEquals("from-file", config.clusters().get(0).adminCredentials().password().reveal());
    }

    @Test
    void loadNamesAMissingFile() {
        Path file = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ":"), e.getMessage());
        assertEquals(List.of("cannot read the file: No such file"), e.problems());
    }

    @Test
    void acceptsUsersWithAVerifierOrATokenAndTheTokenKey() throws Exception {
        String verifier = ConfigValidationTest.VALID_VERIFIER;
        java.security.KeyPair keys = TokenKeys.generate();
        Files.writeString(dir.resolve("token.pub"), TokenKeys.pem(keys.getPublic()));
        AurigaConfig config = parse(MINIMAL + """
                users:
                  - { name: alice, scram-verifier: '%s' }
                  - { name: svc, token: true, password-env: APP_PASSWORD }
                tokens: { public-key: token.pub, max-ttl: 20m }
                """.formatted(verifier));

        assertEquals(new UserConfig("alice", null, verifier, false), config.users().get(0));
        assertTrue(config.users().get(1).token());
        assertEquals("app-secret", config.users().get(1).password().reveal());
        assertEquals(List.of(dir.resolve("token.pub")), config.tokens().publicKeyFiles());
        assertEquals(List.of(keys.getPublic()), config.tokens().publicKeys());
        assertEquals(java.time.Duration.ofMinutes(20), config.tokens().maxTtl());
    }

    @Test
    void severalTokenKeysWhileOneIsRotated() throws Exception {
        java.security.PublicKey old = TokenKeys.generate().getPublic();
        java.security.PublicKey next = TokenKeys.generate().getPublic();
        Files.writeString(dir.resolve("old.pub"), TokenKeys.pem(old));
        Files.writeString(dir.resolve("new.pub"), TokenKeys.pem(next));
        AurigaConfig config = parse(MINIMAL + "tokens: { public-key: [old.pub, new.pub] }\n");
        assertEquals(List.of(old, next), config.tokens().publicKeys());
        assertEquals(List.of(dir.resolve("old.pub"), dir.resolve("new.pub")), config.tokens().publicKeyFiles());
    }

    @Test
    void tokensAreOffWithoutTheBlockAndLastAnHourAtMost() throws Exception {
        assertEquals(null, parse(MINIMAL).tokens());
        Files.writeString(dir.resolve("token.pub"), TokenKeys.pem(TokenKeys.generate().getPublic()));
        assertEquals(java.time.Duration.ofHours(1), parse(MINIMAL + "tokens: { public-key: token.pub }\n").tokens()
                .maxTtl());
    }

    @Test
    void aFileReadTwiceGivesEqualClustersSecretsIncluded() throws Exception {
        // A reload tells what changed by comparing: an unchanged file must compare equal.
        assertEquals(parse(MINIMAL).clusters(), parse(MINIMAL).clusters());
        Secret one = parse(MINIMAL).clusters().get(0).adminCredentials().password();
        assertEquals(one, new Secret(one.reveal(), one.source()));
        assertFalse(one.equals(new Secret(one.reveal() + "x", one.source())), "another value differs");
    }

    @Test
    void tlsDisabledNeedsNoFiles() throws Exception {
        AurigaConfig config = parse(MINIMAL + "tls: { mode: disabled, cert: missing.crt }\n");
        assertEquals(TlsConfig.disabled(), config.tls());
    }

    @Test
    void secretNeverShowsItsValue() throws Exception {
        AurigaConfig config = parse(MINIMAL);
        Secret secret = config.clusters().get(0).adminCredentials().password();
        assertEquals("Secret[env AURIGA_ADMIN_PASSWORD]", secret.toString());
        assertFalse(config.toString().contains("admin-secret"), config.toString());
    }

    private AurigaConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "auriga.yaml", dir, ENV);
    }

    private void writeTlsFiles() throws IOException {
        Files.writeString(dir.resolve("server.crt"), "-----BEGIN CERTIFICATE-----\n");
        Files.writeString(dir.resolve("server.key"), "-----BEGIN PRIVATE KEY-----\n");
    }
}
