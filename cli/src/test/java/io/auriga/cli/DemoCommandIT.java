package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.auriga.config.TokenKeys;
import io.auriga.core.auth.Tokens;
import io.auriga.sandbox.ProcessTree;
import io.auriga.sandbox.pg.PgBinaries;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code auriga demo} as an operator meets it: a real child process that provisions a primary and
 * a replica, prints commands that the real {@code psql} can paste, answers {@code auriga status}
 * and {@code /topology}, and on SIGTERM leaves no server process and no open endpoint behind.
 *
 * <p>Provisioning is the slow part, so the tests share one directory, in order, as an operator
 * would use it: the first run provisions, the later runs reuse what it left. Skipped when the
 * machine has no PostgreSQL server binaries or no {@code psql}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoCommandIT {
    private static final int WRITER = 6432;
    private static final int READER = 6433;
    private static final int ADMIN = 6480;
    private static final String READY = "Press Ctrl-C to stop Auriga and the database instances.";
    /** Provisioning two servers on a busy two-core machine: generous, but bounded. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern PSQL_URL = Pattern.compile("psql \"(postgresql://[^\"]+)\"");
    private static final Pattern INSTANCE_LINE = Pattern.compile("^\\s+(pg\\d+)\\s+127\\.0\\.0\\.1:(\\d+)\\s+\\((\\w+)\\)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOKEN_KEY = Pattern.compile("auriga token --user auriga_token --key-file (\\S+)\\)");

    private static Path dir;
    private static int offset;
    /** The instance ports of the first run; empty until it got that far. */
    private static Map<String, Integer> provisionedPorts = Map.of();
    private static boolean markerWritten;

    @BeforeAll
    static void prepare() throws IOException {
        assumeTrue(PgBinaries.find().isPresent(), "no PostgreSQL server binaries on this machine");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/psql")) || onPath("psql"), "no psql on this machine");
        dir = LocalMachine.scratchDirectory("auriga-demo-it-");
        offset = LocalMachine.freeOffset(WRITER, READER, ADMIN);
    }

    @AfterEach
    void stopLeftovers() {
        // A test that failed half-way must not leave servers behind, for the next test or the machine.
        LocalMachine.killPostgresUnder(dir);
    }

    @AfterAll
    static void deleteDirectory() {
        LocalMachine.killPostgresUnder(dir);
        LocalMachine.deleteQuietly(dir);
    }

    @Test
    @Order(1)
    void servesWriterAndReaderThenStopsEverythingOnSigterm() throws Exception {
        List<ProcessHandle> servers;
        try (CliProcess demo = startDemo()) {
            String out = demo.stdout();
            Path ca = dir.resolve("tls").resolve("ca.crt");
            assertTrue(Files.isRegularFile(ca), "the CA certificate clients are told to trust exists: " + ca);

            List<String> urls = psqlUrls(out);
            assertEquals(3, urls.size(), "one psql command per endpoint, and one with a login token\n" + out);
            String writerUrl = urls.get(0);
            String readerUrl = urls.get(1);
            String tokenUrl = urls.get(2);
            for (String url : urls) {
                assertTrue(url.contains("sslmode=verify-full"), url);
                assertTrue(url.contains("sslrootcert=" + ca), url);
            }
            assertTrue(writerUrl.contains("@127.0.0.1:" + (WRITER + offset) + "/"), writerUrl);
            assertTrue(readerUrl.contains("@127.0.0.1:" + (READER + offset) + "/"), readerUrl);

            assertEquals("f", psql(writerUrl, "select pg_is_in_recovery()"), "the writer endpoint reaches the primary");
            assertEquals("t", psql(readerUrl, "select pg_is_in_recovery()"), "the reader endpoint reaches a replica");
            assertEquals("t", psql(writerUrl, "select ssl from pg_stat_ssl where pid = pg_backend_pid()"),
                    "the proxy reaches the demo's servers over TLS");
            Matcher key = TOKEN_KEY.matcher(out);
            assertTrue(key.find(), "the login token command names its key file\n" + out);
            String token = Tokens.issue(TokenKeys.readPrivate(Path.of(key.group(1))), "auriga_token",
                    Duration.ofMinutes(15), java.time.Instant.now());
            PsqlResult withToken = runPsql(tokenUrl, "select current_user", token);
            assertEquals(0, withToken.exitCode(), withToken.output());
            assertEquals("auriga_token", withToken.output(), "the printed token command logs in");

            Map<String, Integer> printedPorts = instancePorts(out);
            assertEquals(List.of("pg1", "pg2"), List.copyOf(new TreeSet<>(printedPorts.keySet())), out);
            provisionedPorts = printedPorts;
            assertStatusShowsPrimaryAndReplica(printedPorts);
            assertTopologyDocument(printedPorts);

            // For the next run in this directory to find.
            String created = psql(writerUrl,
                    "create table demo_it_marker (note text); insert into demo_it_marker values ('kept')");
            assertTrue(created.endsWith("INSERT 0 1"), created);
            markerWritten = true;

            servers = LocalMachine.postgresTreesUnder(dir);
            assertTrue(servers.size() >= 2, "two postmasters (and their children) run under " + dir + ": " + servers);

            demo.terminate();
            demo.awaitExit(STOP_TIMEOUT);
        }

        List<ProcessHandle> survivors = servers.stream().filter(ProcessTree::isRunning).toList();
        assertEquals(List.of(), survivors, "server processes outlived SIGTERM to auriga demo");
        assertEquals(List.of(), LocalMachine.postgresProcessesUnder(dir), "postgres processes still mention " + dir);
        for (int port : List.of(WRITER + offset, READER + offset, ADMIN + offset)) {
            assertFalse(LocalMachine.isListening(port), "port " + port + " still accepts connections");
        }
    }

    @Test
    @Order(2)
    void secondRunInTheSameDirectoryReusesTheCluster() throws Exception {
        assumeTrue(markerWritten, "the first run did not get far enough to leave a cluster to reuse");
        assertEquals(List.of(), LocalMachine.postgresProcessesUnder(dir), "nothing runs before the second run");

        try (CliProcess second = startDemo()) {
            assertTrue(second.stderr().contains("reusing the existing cluster"), second.describe());
            assertEquals(provisionedPorts, instancePorts(second.stdout()), "the instances keep their ports");
            List<String> urls = psqlUrls(second.stdout());
            assertEquals("kept", psql(urls.get(0), "select note from demo_it_marker"), "data written in the first run");
            // The replica may still be replaying after its restart; give it a bounded moment.
            String fromReplica = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!fromReplica.equals("kept") && System.nanoTime() < deadline) {
                // Fails while the table itself is not replayed yet: keep polling.
                fromReplica = runPsql(urls.get(1), "select note from demo_it_marker where pg_is_in_recovery()").output();
                if (!fromReplica.equals("kept")) {
                    LocalMachine.sleep(250);
                }
            }
            assertEquals("kept", fromReplica, "the reader endpoint still reaches a replica that has the data");
            second.terminate();
            second.awaitExit(STOP_TIMEOUT);
        }
        assertEquals(List.of(), LocalMachine.postgresProcessesUnder(dir), "the second run stopped its servers");
    }

    @Test
    @Order(3)
    void aTakenEndpointPortFailsAndStopsTheInstancesItStarted() throws Exception {
        assumeTrue(!provisionedPorts.isEmpty(), "the first run did not provision a cluster");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(LocalMachine.LOOPBACK, WRITER + offset));
            CliProcess.Result result = CliProcess.run(READY_TIMEOUT, "demo", "--replicas", "1", "--dir",
                    dir.toString(), "--port-offset", Integer.toString(offset));

            assertNotEquals(0, result.exitCode(), result.toString());
            assertFalse(result.stdout().contains(READY), "no welcome for a demo that is not running\n" + result);
            assertTrue(result.stderr().contains(":" + (WRITER + offset)), "names the port\n" + result);
            assertTrue(result.stderr().contains("--port-offset"), "says how to get out of the way\n" + result);
            assertFalse(result.stderr().contains("\tat "), "an operator error, not a stack trace\n" + result);
        }
        assertEquals(List.of(), LocalMachine.postgresProcessesUnder(dir), "the instances it started were stopped");
        for (int port : provisionedPorts.values()) {
            assertFalse(LocalMachine.isListening(port), "instance port " + port + " still accepts connections");
        }
        assertFalse(LocalMachine.isListening(ADMIN + offset), "no admin listener left");
    }

    /** Starts the demo and returns once it printed its ready line; the caller closes it. */
    private CliProcess startDemo() {
        CliProcess demo = CliProcess.start("demo", "--engine", "postgres", "--replicas", "1", "--dir", dir.toString(),
                "--port-offset", Integer.toString(offset));
        try {
            demo.awaitLine(true, READY::equals, READY_TIMEOUT);
            return demo;
        } catch (RuntimeException | Error e) {
            demo.close();
            throw e;
        }
    }

    private void assertStatusShowsPrimaryAndReplica(Map<String, Integer> ports) {
        Pattern pg1 = Pattern.compile("(?m)^\\s+pg1\\s+primary\\s+127\\.0\\.0\\.1:" + ports.get("pg1") + "\\b");
        Pattern pg2 = Pattern.compile("(?m)^\\s+pg2\\s+replica\\s+127\\.0\\.0\\.1:" + ports.get("pg2") + "\\b");
        CliProcess.Result status = null;
        // The first probe may still be in flight for the replica; poll a bounded time.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do {
            status = CliProcess.run(COMMAND_TIMEOUT, "status", "--admin", "http://127.0.0.1:" + (ADMIN + offset),
                    "--admin-token-file", dir.resolve(DemoCommand.ADMIN_TOKEN_FILE).toString());
            if (status.exitCode() == 0 && pg1.matcher(status.stdout()).find() && pg2.matcher(status.stdout()).find()) {
                assertTrue(status.stdout().contains("NAME") && status.stdout().contains("ROLE"), status.toString());
                return;
            }
            LocalMachine.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("auriga status did not show pg1 primary and pg2 replica\n" + status);
    }

    private void assertTopologyDocument(Map<String, Integer> ports) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI topology = URI.create("http://127.0.0.1:" + (ADMIN + offset) + "/topology");
        assertEquals(401, http.send(HttpRequest.newBuilder(topology).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "the demo's admin API needs its token");
        String token = Files.readString(dir.resolve(DemoCommand.ADMIN_TOKEN_FILE)).strip();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(topology).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode clusters = JSON.readTree(response.body()).path("clusters");
        assertTrue(clusters.isArray() && clusters.size() == 1, response.body());
        JsonNode cluster = clusters.get(0);
        assertTrue(cluster.path("name").isTextual() && !cluster.path("name").asText().isEmpty(), response.body());
        assertEquals("postgres", cluster.path("engine").asText(), response.body());
        assertTrue(cluster.path("epoch").isIntegralNumber() && cluster.path("epoch").asLong() >= 1,
                "a primary was observed, so the epoch moved: " + response.body());
        JsonNode instances = cluster.path("instances");
        assertTrue(instances.isArray() && instances.size() == 2, response.body());
        Map<String, String> roles = new HashMap<>();
        for (JsonNode instance : instances) {
            String name = instance.path("name").asText();
            assertEquals("127.0.0.1", instance.path("host").asText(), response.body());
            assertEquals(ports.get(name), instance.path("port").isInt() ? instance.path("port").asInt() : null,
                    "port of " + name + ": " + response.body());
            assertTrue(instance.path("lagMillis").isIntegralNumber(), "lagMillis of " + name + ": " + response.body());
            roles.put(name, instance.path("role").asText());
        }
        assertEquals(Map.of("pg1", "primary", "pg2", "replica"), roles, response.body());
    }

    /** The psql connection URLs printed, writer first. */
    private static List<String> psqlUrls(String out) {
        Matcher m = PSQL_URL.matcher(out);
        List<String> urls = new ArrayList<>();
        while (m.find()) {
            urls.add(m.group(1));
        }
        return urls;
    }

    /** The instance lines of the welcome text ({@code pg1  127.0.0.1:PORT  (primary)}), by name. */
    private static Map<String, Integer> instancePorts(String out) {
        Map<String, Integer> ports = new HashMap<>();
        for (String line : out.lines().toList()) {
            Matcher m = INSTANCE_LINE.matcher(line);
            if (m.matches()) {
                ports.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        }
        return ports;
    }

    /** Runs the real psql with {@code url}, unaligned and tuples only; fails unless it succeeds. */
    private static String psql(String url, String sql) throws IOException, InterruptedException {
        PsqlResult result = runPsql(url, sql);
        assertEquals(0, result.exitCode(), "psql " + sql + " failed: " + result.output());
        return result.output();
    }

    private record PsqlResult(int exitCode, String output) {
    }

    private static PsqlResult runPsql(String url, String sql) throws IOException, InterruptedException {
        return runPsql(url, sql, null);
    }

    /** @param password PGPASSWORD, or null for the one in {@code url} */
    private static PsqlResult runPsql(String url, String sql, String password) throws IOException,
            InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("psql", "-X", "-v", "ON_ERROR_STOP=1", "-Atc", sql, url)
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("PG"));
        env.put("PGCONNECT_TIMEOUT", "10");
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        Process psql = builder.start();
        try {
            // Small outputs only: reading after exit cannot dead-lock on a full pipe.
            if (!psql.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("psql did not finish within " + COMMAND_TIMEOUT + ": " + sql);
            }
            String output = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return new PsqlResult(psql.exitValue(), output);
        } finally {
            psql.destroyForcibly();
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(":"))
                .anyMatch(p -> Files.isExecutable(Path.of(p, program)));
    }
}
