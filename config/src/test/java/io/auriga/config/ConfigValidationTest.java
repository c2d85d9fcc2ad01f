package io.auriga.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refused file names the field and what is wrong, and all problems come at once. */
class ConfigValidationTest {
    static final String VALID_VERIFIER = "SCRAM-SHA-256$4096:" + base64(16) + "$" + base64(32) + ":" + base64(32);

    private static final Map<String, String> ENV = Map.of("ADMIN_PW", "admin-secret", "APP_PASSWORD", "app-secret");

    /** A valid cluster whose endpoints section is appended by each test. */
    private static final String CLUSTER = """
            clusters:
              - name: main
                engine: postgres
                instances:
                  - { name: pg1, host: 10.0.0.1 }
                  - { name: pg2, host: 10.0.0.2 }
                admin-credentials: { user: admin, password-env: ADMIN_PW }
            """;

    @TempDir
    Path dir;

    // --- the file as a whole ---

    @Test
    void messageStartsWithTheFileName() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("clusters: []", "/etc/auriga/auriga.yaml", dir, ENV));
        assertEquals("/etc/auriga/auriga.yaml: 1 problem(s)\n  - clusters: at least one cluster is required",
                e.getMessage());
    }

    @Test
    void emptyFileNeedsAtLeastOneCluster() {
        assertProblems("", "clusters: at least one cluster is required");
    }

    @Test
    void malformedYamlGivesLineAndColumn() {
        assertProblems("clusters:\n  - name: main\n    engine: postgres\n   instances: []\n",
                "line 4, column 4: not valid YAML: expected <block end>, but found '<block mapping start>' "
                        + "(while parsing a block collection at line 2); check the indentation");
        assertProblems("clusters: [ { name: a }\n", "line 2, column 1: not valid YAML: expected ',' or ']', but got <stream end>"
                + " (while parsing a flow sequence at line 1)");
    }

    @Test
    void duplicateKeysAreRefusedRatherThanSilentlyOverwritten() {
        assertProblems(CLUSTER + "    name: other\n", "line 8, column 9: not valid YAML: Duplicate field 'name'");
    }

    @Test
    void topLevelMustBeAMapping() {
        assertProblems("- a\n- b\n", "top level: must be a mapping (key: value pairs), not a list");
    }

    // --- unknown fields ---

    @Test
    void unknownFieldsAreRefusedWithASuggestion() {
        assertProblems(CLUSTER.replace("{ name: pg2, host: 10.0.0.2 }", "{ name: pg2, host: 10.0.0.2, prot: 5432 }"),
                "clusters[0].instances[1]: unknown field 'prot' (did you mean 'port'?)");
        assertProblems(CLUSTER + "    failover: { probe-intervall: 1s }\n",
                "clusters[0].failover: unknown field 'probe-intervall' (did you mean 'probe-interval'?)");
        assertProblems(CLUSTER + "clustres: []\n", "top level: unknown field 'clustres' (did you mean 'clusters'?)");
        assertProblems(CLUSTER + "server: { ioThreads: 2 }\n",
                "server: unknown field 'ioThreads' (did you mean 'io-threads'?)");
    }

    @Test
    void transportIsOneOfTheKnownOnes() {
        assertProblems(CLUSTER + "server: { transport: io_uring }\n",
                "server.transport: 'io_uring' is not one of auto, io-uring, epoll, nio (did you mean 'io-uring'?)");
    }

    @Test
    void unknownFieldWithoutACloseMatchListsTheKnownOnes() {
        assertProblems(CLUSTER + "admin: { color: blue }\n", "admin: unknown field 'color' (expected one of host, port, auth, public-read, allowed-hosts, tls)");
    }

    // --- clusters and instances ---

    @Test
    void clusterNamesAreRequiredAndUnique() {
        assertProblems(CLUSTER + CLUSTER.replace("clusters:\n", "").replace("6432", "7432"),
                "clusters[1].name: 'main' is already used by clusters[0]");
        assertProblems(CLUSTER.replace("  - name: main\n    engine", "  - engine"), "clusters[0].name: is required");
    }

    @Test
    void engineIsRequiredAndKnown() {
        assertProblems(CLUSTER.replace("    engine: postgres\n", ""),
                "clusters[0].engine: is required (postgres | mysql)");
        assertProblems(CLUSTER.replace("engine: postgres", "engine: postgresql"),
                "clusters[0].engine: 'postgresql' is not one of postgres, mysql (did you mean 'postgres'?)");
    }

    @Test
    void aClusterNeedsInstances() {
        String noInstances = """
                clusters:
                  - name: main
                    engine: mysql
                    admin-credentials: { user: admin, password-env: ADMIN_PW }
                """;
        assertProblems(noInstances, "clusters[0].instances: at least one instance is required");
        assertProblems(noInstances + "    instances: []\n", "clusters[0].instances: at least one instance is required");
        assertProblems(noInstances + "    instances: pg1\n", "clusters[0].instances: must be a list, not 'pg1'");
    }

    @Test
    void instanceNamesAreUniqueWithinTheCluster() {
        assertProblems(CLUSTER.replace("name: pg2", "name: pg1"),
                "clusters[0].instances[1].name: 'pg1' is already used by clusters[0].instances[0]");
    }

    @Test
    void instanceHostIsRequiredAndNotEmpty() {
        assertProblems(CLUSTER.replace("host: 10.0.0.2", "host: ''"), "clusters[0].instances[1].host: must not be empty");
        assertProblems(CLUSTER.replace(", host: 10.0.0.2", ""), "clusters[0].instances[1].host: is required");
    }

    @Test
    void instancePortMustBeAPort() {
        assertProblems(CLUSTER.replace("host: 10.0.0.2", "host: 10.0.0.2, port: 70000"),
                "clusters[0].instances[1].port: 70000 is out of range (1..65535)");
        assertProblems(CLUSTER.replace("host: 10.0.0.2", "host: 10.0.0.2, port: 0"),
                "clusters[0].instances[1].port: 0 is out of range (1..65535)");
        assertProblems(CLUSTER.replace("host: 10.0.0.2", "host: 10.0.0.2, port: five"),
                "clusters[0].instances[1].port: 'five' is not a whole number");
    }

    @Test
    void promotionTierAndNoFailoverAreChecked() {
        assertProblems(CLUSTER.replace("host: 10.0.0.2", "host: 10.0.0.2, promotion-tier: -1, no-failover: maybe"),
                "clusters[0].instances[1].promotion-tier: -1 is out of range (0..15)",
                "clusters[0].instances[1].no-failover: 'maybe' is not true or false");
    }

    // --- admin credentials and secrets ---

    @Test
    void adminCredentialsAreRequired() {
        assertProblems(CLUSTER.replace("    admin-credentials: { user: admin, password-env: ADMIN_PW }\n", ""),
                "clusters[0].admin-credentials: is required (user and one of password-env, password-file, password)");
        assertProblems(CLUSTER.replace("user: admin, ", ""), "clusters[0].admin-credentials.user: is required");
        assertProblems(CLUSTER.replace(", password-env: ADMIN_PW", ""),
                "clusters[0].admin-credentials: needs one of password-env, password-file, password");
        assertProblems(CLUSTER.replace("password-env: ADMIN_PW", "password-env: ADMIN_PW, password: x"),
                "clusters[0].admin-credentials: password-env and password are both set; use only one");
    }

    @Test
    void passwordEnvMustBeSet() {
        assertProblems(CLUSTER + "users:\n  - { name: app, password-env: NOT_THERE }\n",
                "users[0].password-env: environment variable NOT_THERE is not set");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(CLUSTER, "a.yaml", dir, Map.of("ADMIN_PW", "")));
        assertEquals(List.of("clusters[0].admin-credentials.password-env: environment variable ADMIN_PW is empty"),
                e.problems());
    }

    @Test
    void passwordFileMustBeReadable() throws Exception {
        Files.createDirectories(dir.resolve("a-directory"));
        Files.writeString(dir.resolve("empty"), "\n");
        assertProblems(CLUSTER + """
                        users:
                          - { name: a, password-file: /x/y }
                          - { name: b, password-file: missing.txt }
                          - { name: c, password-file: a-directory }
                          - { name: d, password-file: empty }
                        """,
                "users[0].password-file: cannot read /x/y: No such file",
                "users[1].password-file: cannot read " + dir.resolve("missing.txt") + ": No such file",
                "users[2].password-file: cannot read " + dir.resolve("a-directory") + ": is a directory",
                "users[3].password-file: " + dir.resolve("empty") + " is empty");
    }

    @Test
    void inlinePasswordMustBeAString() {
        assertProblems(CLUSTER.replace("password-env: ADMIN_PW", "password: 0123"),
                "clusters[0].admin-credentials.password: must be a quoted string, or YAML may change it");
    }

    // --- endpoints ---

    @Test
    void endpointPortsAreUniqueAcrossAllClusters() {
        String second = CLUSTER.replace("clusters:\n", "").replace("name: main", "name: other");
        assertProblems(CLUSTER + """
                    endpoints:
                      - { name: writer, role: writer, port: 6432 }
                      - { name: reader, role: reader, port: 6432 }
                """ + second + """
                    endpoints:
                      - { name: writer, role: writer, port: 6432 }
                """,
                "clusters[0].endpoints[1].port: 6432 is already used by clusters[0].endpoints[0]",
                "clusters[1].endpoints[0].port: 6432 is already used by clusters[0].endpoints[0]");
    }

    @Test
    void endpointPortMayNotBeTheAdminPort() {
        assertProblems(CLUSTER + endpoints("{ name: writer, role: writer, port: 7000 }") + "admin: { port: 7000 }\n",
                "admin.port: 7000 is already used by clusters[0].endpoints[0]");
        assertProblems(CLUSTER + endpoints("{ name: writer, role: writer, port: 6480 }"),
                "admin.port: 6480 (the default) is already used by clusters[0].endpoints[0]; "
                        + "set admin.port to another port, or 0 to disable the admin listener");
    }

    @Test
    void adminPortZeroDisablesTheListener() throws Exception {
        String yaml = CLUSTER + endpoints("{ name: writer, role: writer, port: 6480 }") + "admin: { port: 0 }\n";
        assertEquals(0, ConfigLoader.parse(yaml, "a.yaml", dir, ENV).admin().port());
        assertProblems(CLUSTER + "admin: { port: 65536 }\n", "admin.port: 65536 is out of range (0..65535)");
    }

    @Test
    void adminOffLoopbackNeedsTokens() throws Exception {
        assertProblems(CLUSTER + "admin: { host: 0.0.0.0, port: 7000 }\n",
                "admin.host: 0.0.0.0 is not a loopback address: set admin.auth.tokens or admin.tls.client-ca so that "
                        + "only token or certificate holders can use the admin API, or listen on 127.0.0.1");
        String yaml = CLUSTER + "admin: { host: 0.0.0.0, port: 7000, auth: { tokens: [ { token-env: ADMIN_TOKEN } ] } }\n";
        AdminConfig admin = ConfigLoader.parse(yaml, "a.yaml", dir,
                Map.of("ADMIN_PW", "x", "ADMIN_TOKEN", "0123456789abcdef0123")).admin();
        assertEquals(List.of("0123456789abcdef0123"), admin.tokens().stream().map(Secret::reveal).toList());
        assertEquals("env ADMIN_TOKEN", admin.tokens().get(0).source());
        assertEquals(0, ConfigLoader.parse(CLUSTER + "admin: { host: 0.0.0.0, port: 0 }\n", "a.yaml", dir, ENV)
                .admin().port(), "a disabled listener needs no token");
        assertTrue(AdminConfig.loopback("[::1]") && AdminConfig.loopback("127.1.2.3") && AdminConfig.loopback("localhost"));
        assertTrue(!AdminConfig.loopback("10.0.0.1") && !AdminConfig.loopback("127.example.com"));
    }

    @Test
    void adminTlsMakesTheListenerHttpsAndAClientCaVerifiesClients() throws Exception {
        writeTlsFiles();
        AdminConfig https = parse(CLUSTER + "admin: { tls: { cert: admin.crt, key: admin.key } }\n").admin();
        assertEquals(new AdminTlsConfig(dir.resolve("admin.crt"), dir.resolve("admin.key"), null), https.tls());
        assertFalse(https.authenticated(), "HTTPS alone proves nothing about the client");
        assertNull(parse(CLUSTER).admin().tls(), "plain HTTP by default");

        AdminConfig mtls = parse(CLUSTER + "admin: { host: 0.0.0.0, port: 7000, tls: { cert: admin.crt, key: admin.key,"
                + " client-ca: clients.crt } }\n").admin();
        assertEquals(dir.resolve("clients.crt"), mtls.tls().clientCa());
        assertTrue(mtls.authenticated(), "client certificates are credentials: no token needed off loopback");
        assertEquals(List.of(), mtls.tokens());
    }

    @Test
    void adminTlsWithoutClientCaDoesNotOpenANonLoopbackListener() throws Exception {
        writeTlsFiles();
        assertProblems(CLUSTER + "admin: { host: 0.0.0.0, tls: { cert: admin.crt, key: admin.key } }\n",
                "admin.host: 0.0.0.0 is not a loopback address: set admin.auth.tokens or admin.tls.client-ca so that "
                        + "only token or certificate holders can use the admin API, or listen on 127.0.0.1");
    }

    @Test
    void adminTlsProblemsNameTheFieldAndTheFile() throws Exception {
        writeTlsFiles();
        assertProblems(CLUSTER + "admin: { tls: { client-ca: clients.crt } }\n",
                "admin.tls.cert: is required (with admin.tls the listener speaks HTTPS only, and asks for client "
                        + "certificates in its TLS handshake)",
                "admin.tls.key: is required (with admin.tls the listener speaks HTTPS only, and asks for client "
                        + "certificates in its TLS handshake)");
        assertProblems(CLUSTER + "admin: { tls: { cert: nope.crt, key: admin.key, client-ca: missing-ca.crt } }\n",
                "admin.tls.cert: cannot read " + dir.resolve("nope.crt") + ": No such file",
                "admin.tls.client-ca: cannot read " + dir.resolve("missing-ca.crt") + ": No such file");
        Files.writeString(dir.resolve("empty-ca.crt"), "# the authority goes here\n");
        assertProblems(CLUSTER + "admin: { tls: { cert: admin.crt, key: admin.key, client-ca: empty-ca.crt } }\n",
                "admin.tls.client-ca: " + dir.resolve("empty-ca.crt") + " holds no PEM certificate (expected "
                        + "-----BEGIN CERTIFICATE-----)");
        Files.writeString(dir.resolve("broken-ca.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        ConfigException broken = assertThrows(ConfigException.class, () -> parse(CLUSTER
                + "admin: { tls: { cert: admin.crt, key: admin.key, client-ca: broken-ca.crt } }\n"));
        assertEquals(1, broken.problems().size());
        assertTrue(broken.problems().get(0).startsWith("admin.tls.client-ca: " + dir.resolve("broken-ca.crt")
                + " is not a valid PEM certificate file"), broken.problems().get(0));
        assertProblems(CLUSTER + "admin: { tls: { cert: admin.crt, key: admin.key, mode: required } }\n",
                "admin.tls: unknown field 'mode' (expected one of cert, key, client-ca)");
    }

    @Test
    void adminTokensComeFromEnvOrFileAndAreNotShort() throws Exception {
        Files.writeString(dir.resolve("admin.token"), "file-token-0123456789\n");
        String yaml = CLUSTER + """
                admin:
                  public-read: true
                  allowed-hosts: [auriga.example.com]
                  auth: { tokens: [ { token-file: admin.token } ] }
                """;
        AdminConfig admin = parse(yaml).admin();
        assertEquals(List.of("file-token-0123456789"), admin.tokens().stream().map(Secret::reveal).toList());
        assertTrue(admin.publicRead());
        assertEquals(List.of("auriga.example.com"), admin.allowedHosts());
        assertEquals(new AdminConfig("127.0.0.1", 6480), parse(CLUSTER).admin(), "no admin.auth: no token, no public read");

        Files.writeString(dir.resolve("short.token"), "short\n");
        assertProblems(CLUSTER + "admin: { auth: { tokens: [ { token-file: short.token }, { token-env: NOPE },"
                        + " { token: inline-is-not-accepted }, {} ] } }\n",
                "admin.auth.tokens[2]: unknown field 'token' (expected one of token-env, token-file)",
                "admin.auth.tokens[0].token-file: the token from file " + dir.resolve("short.token")
                        + " is shorter than 16 characters (auriga demo writes one with: head -c 32 /dev/urandom | base64)",
                "admin.auth.tokens[1].token-env: environment variable NOPE is not set",
                "admin.auth.tokens[2]: needs token-env or token-file",
                "admin.auth.tokens[3]: needs token-env or token-file");
        assertProblems(CLUSTER + "admin: { auth: { tokens: [] } }\n",
                "admin.auth.tokens: lists no token: give token-env or token-file");
    }

    @Test
    void endpointNeedsNameRoleAndPort() {
        assertProblems(CLUSTER + endpoints("{ host: 127.0.0.1 }"),
                "clusters[0].endpoints[0].name: is required",
                "clusters[0].endpoints[0].role: is required (writer | reader | custom | instance)",
                "clusters[0].endpoints[0].port: is required");
        assertProblems(CLUSTER + endpoints("{ name: w, role: writer, port: 0 }"),
                "clusters[0].endpoints[0].port: 0 is out of range (1..65535)");
    }

    @Test
    void endpointNamesAreUniqueWithinTheCluster() {
        assertProblems(CLUSTER + endpoints("{ name: w, role: writer, port: 7000 }", "{ name: w, role: reader, port: 7001 }"),
                "clusters[0].endpoints[1].name: 'w' is already used by clusters[0].endpoints[0]");
    }

    @Test
    void endpointRoleAndBalanceMustBeKnown() {
        assertProblems(CLUSTER + endpoints("{ name: w, role: primary, port: 7000, balance: random }"),
                "clusters[0].endpoints[0].role: 'primary' is not one of writer, reader, custom, instance",
                "clusters[0].endpoints[0].balance: 'random' is not one of round-robin, least-connections");
        assertProblems(CLUSTER + endpoints("{ name: r, role: reader, port: 7000, balance: ROUND_ROBIN }"),
                "clusters[0].endpoints[0].balance: 'ROUND_ROBIN' is not one of round-robin, least-connections"
                        + " (did you mean 'round-robin'?)");
    }

    @Test
    void customEndpointNeedsExistingInstances() {
        assertProblems(CLUSTER + endpoints("{ name: c, role: custom, port: 7000 }"),
                "clusters[0].endpoints[0].instances: a custom endpoint needs a non-empty list of instances");
        assertProblems(CLUSTER + endpoints("{ name: c, role: custom, port: 7000, instances: [] }"),
                "clusters[0].endpoints[0].instances: a custom endpoint needs a non-empty list of instances");
        assertProblems(CLUSTER + endpoints("{ name: c, role: custom, port: 7000, instances: [pg2, pg9, pg2] }"),
                "clusters[0].endpoints[0].instances: no instance named 'pg9' in cluster 'main'",
                "clusters[0].endpoints[0].instances: 'pg2' is listed twice");
    }

    @Test
    void instanceEndpointNeedsExactlyOneInstance() {
        assertProblems(CLUSTER + endpoints("{ name: i, role: instance, port: 7000, instances: [pg1, pg2] }"),
                "clusters[0].endpoints[0].instances: an instance endpoint needs exactly one instance, not 2");
        assertProblems(CLUSTER + endpoints("{ name: i, role: instance, port: 7000, instances: [pgX] }"),
                "clusters[0].endpoints[0].instances: no instance named 'pgX' in cluster 'main'");
    }

    @Test
    void writerAndReaderTakeNoInstances() {
        assertProblems(CLUSTER + endpoints("{ name: w, role: writer, port: 7000, instances: [pg1] }"),
                "clusters[0].endpoints[0].instances: a writer endpoint follows the observed roles and takes no "
                        + "instances (use role: custom for a fixed set)");
        assertProblems(CLUSTER + endpoints("{ name: r, role: reader, port: 7000, instances: [pg2] }"),
                "clusters[0].endpoints[0].instances: a reader endpoint follows the observed roles and takes no "
                        + "instances (use role: custom for a fixed set)");
    }

    @Test
    void maxLagMustBeADuration() {
        assertProblems(CLUSTER + endpoints("{ name: r, role: reader, port: 7000, max-lag: 10 }"),
                "clusters[0].endpoints[0].max-lag: '10' has no unit (use e.g. 500ms, 2s, 15m, 1h)");
    }

    // --- failover and server ---

    @Test
    void failoverSettingsAreChecked() {
        assertProblems(CLUSTER + "    failover: { probe-interval: 5 parsecs, failure-threshold: 0, probe-timeout: 0s }\n",
                "clusters[0].failover.probe-interval: '5 parsecs' is not a duration (use e.g. 500ms, 2s, 15m, 1h)",
                "clusters[0].failover.failure-threshold: 0 is out of range (1..1000)",
                "clusters[0].failover.probe-timeout: must be greater than 0");
        assertProblems(CLUSTER + "    failover: { probe-interval: 0 }\n",
                "clusters[0].failover.probe-interval: must be greater than 0");
        assertProblems(CLUSTER + "    failover: [auto]\n",
                "clusters[0].failover: must be a mapping (key: value pairs), not a list");
    }

    @Test
    void durabilityMustBeKnown() {
        assertProblems(CLUSTER + "    durability: quorom\n",
                "clusters[0].durability: 'quorom' is not one of async, quorum (did you mean 'quorum'?)");
        assertProblems(CLUSTER + "    durability: [quorum]\n",
                "clusters[0].durability: must be a single value, not a list");
    }

    @Test
    void mysqlOptionsAreCheckedAndOnlyForMysqlClusters() {
        String mysql = CLUSTER.replace("engine: postgres", "engine: mysql");
        assertProblems(mysql + "    mysql: { local-infile: maybe, auth-plugin: caching_sha2_pasword, infile: true }\n",
                "clusters[0].mysql: unknown field 'infile' (expected one of local-infile, auth-plugin, pool-size,"
                        + " pool-idle-timeout)",
                "clusters[0].mysql.local-infile: 'maybe' is not true or false",
                "clusters[0].mysql.auth-plugin: 'caching_sha2_pasword' is not one of mysql_native_password, "
                        + "caching_sha2_password (did you mean 'caching_sha2_password'?)");
        assertProblems(mysql + "    mysql: { pool-size: -1, pool-idle-timeout: 0s }\n",
                "clusters[0].mysql.pool-size: -1 is out of range (0..10000)",
                "clusters[0].mysql.pool-idle-timeout: must be greater than 0");
        assertProblems(CLUSTER + "    mysql: { local-infile: false }\n",
                "clusters[0].mysql: applies only to clusters with engine: mysql, not postgres");
    }

    @Test
    void postgresOptionsAreCheckedAndOnlyForPostgresClusters() {
        assertProblems(CLUSTER + "    postgres: { pool-size: -1, pool-idle-timeout: 0s, pool: 3 }\n",
                "clusters[0].postgres: unknown field 'pool' (expected one of pool-size, pool-idle-timeout)",
                "clusters[0].postgres.pool-size: -1 is out of range (0..10000)",
                "clusters[0].postgres.pool-idle-timeout: must be greater than 0");
        assertProblems(CLUSTER.replace("engine: postgres", "engine: mysql") + "    postgres: { pool-size: 0 }\n",
                "clusters[0].postgres: applies only to clusters with engine: postgres, not mysql");
    }

    @Test
    void quorumNeedsTwoInstancesThatMayBePromoted() {
        assertProblems(CLUSTER.replace("host: 10.0.0.2", "host: 10.0.0.2, no-failover: true") + "    durability: quorum\n",
                "clusters[0].durability: quorum needs at least two instances without no-failover (a primary and a "
                        + "replica to acknowledge its commits), not 1");
    }

    @Test
    void serverSettingsAreChecked() {
        assertProblems(CLUSTER + "server: { bind: '', io-threads: -1, max-startup-packet: 10, connect-timeout: 0 }\n",
                "server.bind: must not be empty",
                "server.io-threads: -1 is out of range (0..1024)",
                "server.connect-timeout: must be greater than 0",
                "server.max-startup-packet: 10 is out of range (1024..1048576)");
    }

    @Test
    void theLoginThrottleIsChecked() {
        assertProblems(CLUSTER + "server: { login-throttle: { after-failures: 0, delay: 3s, max-delay: 2s, "
                        + "max-dealy: 1s } }\n",
                "server.login-throttle: unknown field 'max-dealy' (did you mean 'max-delay'?)",
                "server.login-throttle.after-failures: 0 is out of range (1..1000)",
                "server.login-throttle.delay: 3s is longer than max-delay 2s");
        assertProblems(CLUSTER + "server: { startup-timeout: 5s, login-throttle: { max-delay: 5s } }\n",
                "server.login-throttle.max-delay: 5s must be shorter than server.startup-timeout 5s, or a held login "
                        + "could never finish (0s turns the throttle off)");
    }

    // --- users ---

    @Test
    void userNamesAreRequiredAndUnique() {
        assertProblems(CLUSTER + """
                        users:
                          - { password-env: APP_PASSWORD }
                          - { name: app, password-env: APP_PASSWORD }
                          - { name: app, scram-verifier: '%s' }
                        """.formatted(VALID_VERIFIER),
                "users[0].name: is required",
                "users[2].name: 'app' is already used by users[1]");
    }

    @Test
    void userNeedsExactlyOneCredentialUnlessToken() {
        assertProblems(CLUSTER + """
                        users:
                          - { name: a }
                          - { name: b, password-env: APP_PASSWORD, scram-verifier: '%s' }
                          - { name: c, password: x, password-env: APP_PASSWORD }
                        """.formatted(VALID_VERIFIER),
                "users[0]: needs one of password-env, password-file, password or scram-verifier (or token: true)",
                "users[1]: password-env and scram-verifier are both set; use only one",
                "users[2]: password-env and password are both set; use only one");
    }

    @Test
    void aTokenUserNeedsTheDatabasePasswordAndTheTokensBlock() {
        assertProblems(CLUSTER + """
                        users:
                          - { name: a, token: true }
                          - { name: b, token: true, scram-verifier: '%s' }
                          - { name: c, token: true, password-env: APP_PASSWORD }
                        """.formatted(VALID_VERIFIER),
                "users[0]: needs one of password-env, password-file or password with token: true (the database "
                        + "password the proxy logs in with on the user's behalf)",
                "users[0].token: needs a top-level tokens block with the public-key that checks tokens",
                "users[1].scram-verifier: cannot go with token: true: the proxy needs the database password to log "
                        + "in on the user's behalf (password-env, password-file or password)",
                "users[1].token: needs a top-level tokens block with the public-key that checks tokens",
                "users[2].token: needs a top-level tokens block with the public-key that checks tokens");
    }

    @Test
    void theTokenKeyMustBeAReadableEd25519PublicKey() throws Exception {
        Files.writeString(dir.resolve("private.pem"), TokenKeys.pem(TokenKeys.generate().getPrivate()));
        Files.writeString(dir.resolve("rsa.pub"), "-----BEGIN PUBLIC KEY-----\n"
                + "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAL0vPtAIzHAz9nqg3bB5cTj8nvj7bgNnFCkKvLtcQqO8uY5lRLzdYl6TWcuE"
                + "2u0tMqk1/ZmlA0/zGYOiKhA4VrUCAwEAAQ==\n-----END PUBLIC KEY-----\n");
        assertProblems(CLUSTER + "tokens: { max-ttl: 0s }\n",
                "tokens.max-ttl: must be greater than 0",
                "tokens.public-key: is required to check tokens");
        assertProblems(CLUSTER + "tokens: { public-key: missing.pub }\n",
                "tokens.public-key: cannot read " + dir.resolve("missing.pub") + ": No such file");
        assertProblems(CLUSTER + "tokens: { public-key: private.pem }\n",
                "tokens.public-key: " + dir.resolve("private.pem") + " holds no PEM block \"BEGIN PUBLIC KEY\"");
        assertProblems(CLUSTER + "tokens: { public-key: rsa.pub }\n",
                "tokens.public-key: " + dir.resolve("rsa.pub") + " is not an Ed25519 public key");
        Files.writeString(dir.resolve("good.pub"), TokenKeys.pem(TokenKeys.generate().getPublic()));
        assertProblems(CLUSTER + "tokens: { public-key: [good.pub, missing.pub, rsa.pub] }\n",
                "tokens.public-key[1]: cannot read " + dir.resolve("missing.pub") + ": No such file",
                "tokens.public-key[2]: " + dir.resolve("rsa.pub") + " is not an Ed25519 public key");
        assertProblems(CLUSTER + "tokens: { public-key: [] }\n", "tokens.public-key: lists no key");
    }

    @Test
    void scramVerifierMustHaveTheStoredShape() {
        String tooShortKey = "SCRAM-SHA-256$4096:" + base64(16) + "$" + base64(20) + ":" + base64(32);
        String notBase64 = "SCRAM-SHA-256$4096:" + base64(16) + "$" + base64(32) + ":A";
        assertProblems(CLUSTER + """
                        users:
                          - { name: a, scram-verifier: 'md5abcdef' }
                          - { name: b, scram-verifier: '%s' }
                          - { name: c, scram-verifier: '%s' }
                          - { name: d, scram-verifier: '%s' }
                        """.formatted(tooShortKey, notBase64, VALID_VERIFIER.replace("$4096:", "$0:")),
                "users[0].scram-verifier: not a SCRAM-SHA-256 verifier (expected "
                        + "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>)",
                "users[1].scram-verifier: StoredKey and ServerKey must be 32 bytes and the salt not empty",
                "users[2].scram-verifier: salt, StoredKey and ServerKey must be valid base64 (expected "
                        + "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>)",
                "users[3].scram-verifier: iteration count must be at least 1");
    }

    // --- tls ---

    @Test
    void yamlOneOneBooleanWordsAreNotBooleans() {
        assertProblems(CLUSTER + "    failover: { auto: yes }\n", "clusters[0].failover.auto: 'yes' is not true or false");
    }

    @Test
    void tlsModeMustBeKnown() {
        assertProblems(CLUSTER + "tls: { mode: on }\n",
                "tls.mode: 'on' is not one of disabled, optional, required");
        assertProblems(CLUSTER + "tls: { cert: a.crt }\n", "tls.mode: is required (disabled | optional | required)");
    }

    @Test
    void tlsNeedsReadableCertAndKeyUnlessDisabled() throws Exception {
        Files.writeString(dir.resolve("server.crt"), "cert");
        assertProblems(CLUSTER + "tls: { mode: required, cert: server.crt }\n",
                "tls.key: is required when mode is required");
        assertProblems(CLUSTER + "tls: { mode: optional, cert: server.crt, key: server.key }\n",
                "tls.key: cannot read " + dir.resolve("server.key") + ": No such file");
    }

    @Test
    void instanceTlsModeMustBeKnownAndVerifyFullNeedsAReadableCa() throws Exception {
        assertProblems(CLUSTER + "    tls: { mode: verify }\n",
                "clusters[0].tls.mode: 'verify' is not one of disable, prefer, require, verify-full");
        assertProblems(CLUSTER + "    tls: { mode: verify-full }\n",
                "clusters[0].tls.ca: is required when mode is verify-full");
        assertProblems(CLUSTER + "    tls: { mode: verify-full, ca: ca.crt }\n",
                "clusters[0].tls.ca: cannot read " + dir.resolve("ca.crt") + ": No such file");
        Files.writeString(dir.resolve("ca.crt"), "ca");
        assertProblems(CLUSTER + "    tls: { mode: require, ca: ca.crt }\n",
                "clusters[0].tls.ca: is used only with mode: verify-full; with require no certificate is verified");
        assertEquals(new BackendTlsConfig(BackendTlsConfig.Mode.VERIFY_FULL, dir.resolve("ca.crt")),
                parse(CLUSTER + "    tls: { mode: verify-full, ca: ca.crt }\n").clusters().get(0).tls());
        assertEquals(BackendTlsConfig.DISABLED, parse(CLUSTER).clusters().get(0).tls());
        assertEquals(BackendTlsConfig.Mode.PREFER,
                parse(CLUSTER + "    tls: { mode: prefer }\n").clusters().get(0).tls().mode());
    }

    // --- all at once ---

    @Test
    void reportsEveryProblemTogether() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                clusters:
                  - name: main
                    engine: postgres
                    instances:
                      - { name: pg1, host: 10.0.0.1, prot: 5432 }
                    admin-credentials: { user: admin, password-env: ADMIN_PW }
                    endpoints:
                      - { name: writer, role: writer, port: 6432 }
                      - { name: reader, role: reader, port: 6432 }
                    failover: { probe-interval: 5 parsecs }
                users:
                  - { name: app, password-env: NOT_SET }
                  - { name: ops, password-file: /x/y }
                tls: { mode: sometimes }
                """));
        assertEquals(List.of(
                "clusters[0].instances[0]: unknown field 'prot' (did you mean 'port'?)",
                "clusters[0].endpoints[1].port: 6432 is already used by clusters[0].endpoints[0]",
                "clusters[0].failover.probe-interval: '5 parsecs' is not a duration (use e.g. 500ms, 2s, 15m, 1h)",
                "users[0].password-env: environment variable NOT_SET is not set",
                "users[1].password-file: cannot read /x/y: No such file",
                "tls.mode: 'sometimes' is not one of disabled, optional, required"), e.problems());
        assertTrue(e.getMessage().startsWith("auriga.yaml: 6 problem(s)\n  - clusters[0].instances[0]"), e.getMessage());
    }

    /** An authority certificate as clients.crt, and admin.crt / admin.key (read as files only: never parsed). */
    private void writeTlsFiles() throws Exception {
        Files.writeString(dir.resolve("clients.crt"), TEST_CA);
        Files.writeString(dir.resolve("admin.crt"), TEST_CA);
        Files.writeString(dir.resolve("admin.key"), "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
    }

    /** A self-signed EC P-256 authority ("CN=Config Test CA"). */
    private static final String TEST_CA = """
            -----BEGIN CERTIFICATE-----
            MIIBhjCCAS2gAwIBAgIUVkjatAXnnZj5O7R62wBnEShJ42wwCgYIKoZIzj0EAwIw
            GTEXMBUGA1UEAwwOQ29uZmlnIFRlc3QgQ0EwHhcNMjYxMjA0MTg0NTU4WhcNMzYx
            MjAxMTg0NTU4WjAZMRcwFQYDVQQDDA5Db25maWcgVGVzdCBDQTBZMBMGByqGSM49
            AgEGCCqGSM49AwEHA0IABOi28lJ5vmevi0emDuG/qnJYrXAEjd7VTY7u2Dgt2cOS
            TSTd9lkuGnSd3hpT2avJ/F36iTs4CNrhemim952mF7+jUzBRMB0GA1UdDgQWBBSw
            TwciT2+SOW7qPeHnNfjlLanBEDAfBgNVHSMEGDAWgBSwTwciT2+SOW7qPeHnNfjl
            LanBEDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIGsmN+Hu2raC
            HrAEJc/mHB2g/6ucQUOJnzxH3RlRzoJsAiAPLYQt1mULAuAi0kUCvQdBJQEQCxlM
            zpYI/OYm7rAf6A==
            -----END CERTIFICATE-----
            """;

    private AurigaConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "auriga.yaml", dir, ENV);
    }

    /** Asserts the file is refused with exactly these problems, in this order. */
    private void assertProblems(String yaml, String... expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertEquals(Arrays.asList(expected), e.problems());
    }

    private static String endpoints(String... endpoints) {
        StringBuilder yaml = new StringBuilder("    endpoints:\n");
        for (String endpoint : endpoints) {
            yaml.append("      - ").append(endpoint).append('\n');
        }
        return yaml.toString();
    }

    private static String base64(int bytes) {
        byte[] data = new byte[bytes];
        Arrays.fill(data, (byte) 7);
        return Base64.getEncoder().encodeToString(data);
    }
}
