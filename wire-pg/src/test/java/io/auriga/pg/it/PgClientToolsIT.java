package io.auriga.pg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The real psql, pgbench and pg_basebackup binaries through the endpoints. */
@ExtendWith(ProxiedCluster.Extension.class)
class PgClientToolsIT {

    @Test
    void psqlWithFullTlsVerificationThroughBothEndpoints(ProxiedCluster cluster) throws Exception {
        String writer = "postgresql://auriga:auriga@localhost:" + cluster.writerPort() + "/auriga?sslmode=verify-full"
                + "&sslrootcert=" + cluster.caCert();
        Result w = run(List.of("psql", "-X", "-At", writer, "-c", "SELECT pg_is_in_recovery()", "-c", "\\conninfo"), 30);
        assertEquals(0, w.exit, w.output);
        assertTrue(w.output.startsWith("f\n"), w.output);
        assertTrue(w.output.contains("SSL connection (protocol: TLSv1.3"), w.output);

        String reader = "postgresql://auriga:auriga@127.0.0.1:" + cluster.readerPort() + "/auriga?sslmode=verify-full"
                + "&sslrootcert=" + cluster.caCert();
        Result r = run(List.of("psql", "-X", "-At", reader, "-c", "SELECT pg_is_in_recovery()"), 30);
        assertEquals(0, r.exit, r.output);
        assertEquals("t", r.output.trim());
    }

    @Test
    void psqlLogsInWithATokenAsItsPassword(ProxiedCluster cluster) throws Exception {
        String conninfo = "host=localhost port=" + cluster.writerPort() + " user=" + ProxiedCluster.TOKEN_USER
                + " dbname=auriga sslmode=verify-full sslrootcert=" + cluster.caCert();
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-At", conninfo, "-c", "SELECT current_user");
        pb.environment().put("PGPASSWORD", cluster.token(ProxiedCluster.TOKEN_USER, java.time.Duration.ofMinutes(15),
                java.time.Instant.now()));
        Result r = run(pb, 30);
        assertEquals(0, r.exit, r.output);
        assertEquals(ProxiedCluster.TOKEN_USER, r.output.trim());

        // The database password of a token user is the proxy's to log in with, not the client's.
        pb.environment().put("PGPASSWORD", ProxiedCluster.TOKEN_USER_PASSWORD);
        Result refused = run(pb, 30);
        assertTrue(refused.exit != 0, refused.output);
        assertTrue(refused.output.contains("password authentication failed for user \"" + ProxiedCluster.TOKEN_USER
                + "\""), refused.output);
    }

    @Test
    void psqlRefusesTheProxyCertificateForAnotherHostName(ProxiedCluster cluster) throws Exception {
        // Connect to the proxy's address, but verify against a name its certificate does not carry.
        String conninfo = "host=wrong-name.invalid hostaddr=127.0.0.1 port=" + cluster.writerPort()
                + " user=auriga dbname=auriga sslmode=verify-full sslrootcert=" + cluster.caCert();
        Result r = run(List.of("psql", "-X", "-At", conninfo, "-c", "SELECT 1"), 30);
        assertTrue(r.exit != 0, r.output);
        assertTrue(r.output.contains("does not match host name"), r.output);
    }

    @Test
    void pgbenchInitialisesAndRunsWithoutFailures(ProxiedCluster cluster) throws Exception {
        List<String> conn = List.of("-h", "127.0.0.1", "-p", String.valueOf(cluster.writerPort()), "-U", "auriga");
        Result init = run(concat(List.of("pgbench", "-i", "-q", "-s", "1"), conn, List.of("auriga")), 120);
        assertEquals(0, init.exit, init.output);
        for (String mode : List.of("simple", "extended", "prepared")) {
            Result bench = run(concat(List.of("pgbench", "-n", "-M", mode, "-c", "4", "-j", "2", "-t", "200"), conn,
                    List.of("auriga")), 120);
            assertEquals(0, bench.exit, mode + ": " + bench.output);
            assertTrue(bench.output.contains("number of transactions actually processed: 800/800"),
                    mode + ": " + bench.output);
            assertTrue(bench.output.contains("number of failed transactions: 0 (0.000%)"), mode + ": " + bench.output);
        }
    }

    @Test
    void pgBasebackupStreamsAReplicationConnectionThroughTheWriter(ProxiedCluster cluster, @TempDir Path dir)
            throws Exception {
        Path target = dir.resolve("backup");
        ProcessBuilder pb = new ProcessBuilder("pg_basebackup", "-h", "127.0.0.1", "-p",
                String.valueOf(cluster.writerPort()), "-U", cluster.sandbox().adminUser(), "-D", target.toString(),
                "-X", "stream", "-c", "fast", "--no-sync");
        pb.environment().put("PGPASSWORD", cluster.sandbox().adminPassword());
        Result r = run(pb, 120);
        assertEquals(0, r.exit, r.output);
        assertTrue(Files.exists(target.resolve("PG_VERSION")), "backup has a data directory");
        assertTrue(Files.exists(target.resolve("backup_label")), "backup is complete");
    }

    @Test
    void logicalDecodingStreamsChangesThroughTheWriter(ProxiedCluster cluster) throws Exception {
        String slot = "auriga_it_slot";
        List<String> conn = List.of("-h", "127.0.0.1", "-p", String.valueOf(cluster.writerPort()), "-U",
                cluster.sandbox().adminUser(), "-d", cluster.sandbox().database(), "--slot", slot);
        Result created = runAsAdmin(cluster, concat(List.of("pg_recvlogical", "--create-slot", "-P", "test_decoding"),
                conn), 60);
        assertEquals(0, created.exit, created.output);
        String lsn;
        try (java.sql.Connection c = cluster.writer(); java.sql.Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS decoded_it; CREATE TABLE decoded_it (id int PRIMARY KEY, note text)");
            st.execute("INSERT INTO decoded_it VALUES (7, 'through auriga')");
            try (java.sql.ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()")) {
                rs.next();
                lsn = rs.getString(1);
            }
        }
        try {
            Result decoded = runAsAdmin(cluster, concat(List.of("pg_recvlogical", "--start", "--endpos", lsn,
                    "--no-loop", "-f", "-"), conn), 60);
            assertEquals(0, decoded.exit, decoded.output);
            assertTrue(decoded.output.contains("table public.decoded_it: INSERT: id[integer]:7 note[text]:'through auriga'"),
                    decoded.output);
        } finally {
            runAsAdmin(cluster, concat(List.of("pg_recvlogical", "--drop-slot"), conn), 60);
        }
    }

    private static Result runAsAdmin(ProxiedCluster cluster, List<String> command, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PGPASSWORD", cluster.sandbox().adminPassword());
        return run(pb, timeoutSeconds);
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PGPASSWORD", "auriga");
        return run(pb, timeoutSeconds);
    }

    private static Result run(ProcessBuilder pb, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("auriga-tool-", ".out");
        try {
            Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(pb.command() + " did not finish within " + timeoutSeconds + " s: "
                        + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> part : parts) {
            all.addAll(part);
        }
        return all;
    }
}
