package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@code mariadb} command-line client through both endpoints, in plain text and over verified TLS. */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlClientToolsIT {
    private static final Path CLIENT = Path.of("/usr/bin/mariadb");

    @Test
    void theWriterServesTheClientInPlainTextAndOverVerifiedTls(ProxiedMariaDb cluster) throws Exception {
        String plain = run(cluster, cluster.writerPort(), List.of(),
                "SELECT @@read_only, @@server_id; SHOW SESSION STATUS LIKE 'Ssl_cipher'");
        assertTrue(plain.startsWith("0\t"), plain);
        String tls = run(cluster, cluster.writerPort(), List.of("--ssl", "--ssl-ca=" + cluster.caCert(),
                "--ssl-verify-server-cert"), "SELECT @@read_only; \\s");
        assertTrue(tls.startsWith("0\n"), tls);
        assertTrue(tls.contains("Cipher in use is TLS"), "the client reports a TLS session:\n" + tls);
    }

    @Test
    void theClientCompressesWhenAskedToAndGetsEveryRow(ProxiedMariaDb cluster) throws Exception {
        Path file = Files.createTempFile("compressed", ".out");
        String out;
        try {
            Process p = new ProcessBuilder(command(cluster, cluster.writerPort(), List.of("--compress"),
                    "SELECT seq, REPEAT('x', 500) FROM seq_1_to_20000; SELECT 'after'; \\s"))
                    .redirectErrorStream(true).redirectOutput(file.toFile()).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "client did not finish");
            out = Files.readString(file);
            assertEquals(0, p.exitValue(), out);
        } finally {
            Files.deleteIfExists(file);
        }
        List<String> lines = out.lines().toList();
        assertEquals("1\t" + "x".repeat(500), lines.get(0));
        assertEquals("20000\t" + "x".repeat(500), lines.get(19_999));
        assertEquals("after", lines.get(20_000));
        assertTrue(out.contains("Protocol:\t\tCompressed"), "the client reports compression:\n"
                + String.join("\n", lines.subList(20_000, lines.size())));
        String tls = run(cluster, cluster.writerPort(), List.of("--compress", "--ssl", "--ssl-ca=" + cluster.caCert(),
                "--ssl-verify-server-cert"), "SELECT @@read_only; \\s");
        assertTrue(tls.startsWith("0\n"), tls);
        assertTrue(tls.contains("Protocol:\t\tCompressed") && tls.contains("Cipher in use is TLS"), tls);
    }

    @Test
    void theClientLogsInWithATokenOverTls(ProxiedMariaDb cluster) throws Exception {
        assumeTrue(Files.isExecutable(CLIENT), "no mariadb client at " + CLIENT);
        String token = cluster.token(ProxiedMariaDb.TOKEN_USER, java.time.Duration.ofMinutes(15),
                java.time.Instant.now());
        Process p = new ProcessBuilder(CLIENT.toString(), "--no-defaults", "-h", "127.0.0.1", "-P",
                Integer.toString(cluster.writerPort()), "-u", ProxiedMariaDb.TOKEN_USER, "-p" + token, "--batch",
                "--skip-column-names", "--connect-timeout=10", "--ssl", "--ssl-ca=" + cluster.caCert(),
                "--ssl-verify-server-cert", "-e", "SELECT current_user()", cluster.sandbox().database())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "client did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertEquals(ProxiedMariaDb.TOKEN_USER + "@%", out.strip());
    }

    @Test
    void theReaderServesTheClientOnAReplica(ProxiedMariaDb cluster) throws Exception {
        String out = run(cluster, cluster.readerPort(), List.of("--ssl", "--ssl-ca=" + cluster.caCert(),
                "--ssl-verify-server-cert"), "SELECT @@read_only, @@tx_read_only");
        assertEquals("1\t1", out.strip());
        String write = runExpectingFailure(cluster, cluster.readerPort(), "CREATE TABLE from_reader (x int)");
        assertTrue(write.contains("ERROR 1792") || write.contains("ERROR 1290"), write);
    }

    @Test
    void theClientSeesServerErrorsWithTheirCodes(ProxiedMariaDb cluster) throws Exception {
        String out = runExpectingFailure(cluster, cluster.writerPort(), "SELECT * FROM no_such_table");
        assertTrue(out.contains("ERROR 1146 (42S02)"), out);
    }

    @Test
    void aTlsCertificateForAnotherNameIsRejectedByTheClient(ProxiedMariaDb cluster) throws Exception {
        Path otherCa = Files.createTempFile("other-ca", ".crt");
        try {
            io.auriga.core.tls.TlsFiles other = io.auriga.core.tls.CertificateAuthority.ensure(
                    otherCa.getParent().resolve("other-ca-" + System.nanoTime()), List.of("localhost"));
            Process p = start(cluster, cluster.writerPort(), List.of("--ssl", "--ssl-ca=" + other.caCert(),
                    "--ssl-verify-server-cert"), "SELECT 1");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(0, p.exitValue(), "a server certificate from another CA must be refused");
        } finally {
            Files.deleteIfExists(otherCa);
        }
    }

    private static String run(ProxiedMariaDb cluster, int port, List<String> options, String sql) throws Exception {
        Process p = start(cluster, port, options, sql);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "client did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static String runExpectingFailure(ProxiedMariaDb cluster, int port, String sql) throws Exception {
        Process p = start(cluster, port, List.of(), sql);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "client did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, p.exitValue(), out);
        return out;
    }

    private static Process start(ProxiedMariaDb cluster, int port, List<String> options, String sql)
            throws IOException {
        return new ProcessBuilder(command(cluster, port, options, sql)).redirectErrorStream(true).start();
    }

    private static List<String> command(ProxiedMariaDb cluster, int port, List<String> options, String sql) {
        assumeTrue(Files.isExecutable(CLIENT), "no mariadb client at " + CLIENT);
        List<String> command = new ArrayList<>(List.of(CLIENT.toString(), "--no-defaults", "-h", "127.0.0.1",
                "-P", Integer.toString(port), "-u", cluster.sandbox().user(), "-p" + cluster.sandbox().password(),
                "--batch", "--skip-column-names", "--connect-timeout=10"));
        command.addAll(options);
        command.addAll(List.of("-e", sql, cluster.sandbox().database()));
        return command;
    }
}
