package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CertCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void createsThenKeepsTheFiles() {
        Path certs = dir.resolve("certs");

        assertEquals(0, run("--out", certs.toString(), "--host", "localhost", "127.0.0.1"), err.toString());

        for (String name : new String[] {"ca.crt", "ca.key", "server.crt", "server.key"}) {
            assertTrue(Files.isRegularFile(certs.resolve(name)), name);
            assertTrue(out.toString().contains(certs.toAbsolutePath().resolve(name).toString()), out.toString());
        }
        assertTrue(out.toString().startsWith("Created a certificate authority"), out.toString());
        assertTrue(out.toString().contains("sslmode=verify-full sslrootcert=" + certs.toAbsolutePath().resolve("ca.crt")));

        out.getBuffer().setLength(0);
        assertEquals(0, run("--out", certs.toString(), "--host", "127.0.0.1,localhost"));
        assertTrue(out.toString().startsWith("Kept the valid certificates"), out.toString());

        out.getBuffer().setLength(0);
        assertEquals(0, run("--out", certs.toString(), "--host", "localhost", "--host", "db.internal"));
        assertTrue(out.toString().startsWith("Issued a new server certificate"), out.toString());

        out.getBuffer().setLength(0);
        assertEquals(0, run("--out", certs.toString(), "--host", "localhost", "--force"));
        assertTrue(out.toString().startsWith("Created a certificate authority"), out.toString());
    }

    @Test
    void issuesClientCertificatesForTheAdminApi() throws Exception {
        Path certs = dir.resolve("certs").toAbsolutePath();

        assertEquals(0, run("--out", certs.toString(), "--host", "127.0.0.1", "--client", "ops", "--client", "ci-bot"),
                err.toString());

        for (String name : new String[] {"ops.crt", "ops.key", "ci-bot.crt", "ci-bot.key"}) {
            assertTrue(Files.isRegularFile(certs.resolve(name)), name);
        }
        assertTrue(out.toString().contains("client certificate  " + certs.resolve("ops.crt") + " (CN=ops), key "
                + certs.resolve("ops.key")), out.toString());
        assertTrue(out.toString().contains("Admin:   admin: { tls: { cert: " + certs.resolve("server.crt") + ", key: "
                + certs.resolve("server.key") + ", client-ca: " + certs.resolve("ca.crt") + " } }"), out.toString());
        assertTrue(out.toString().contains("auriga status --admin https://127.0.0.1:6480 --admin-ca "
                + certs.resolve("ca.crt") + " --admin-cert " + certs.resolve("ops.crt") + " --admin-key "
                + certs.resolve("ops.key")), out.toString());

        assertEquals(2, run("--out", certs.toString(), "--host", "127.0.0.1", "--client", "../ops"));
        assertTrue(err.toString().contains("Invalid --client '../ops': a name of letters, digits, '.', '_' and '-'"),
                err.toString());
        assertEquals(2, run("--out", certs.toString(), "--host", "127.0.0.1", "--client", "server"));
        assertTrue(err.toString().contains("Invalid --client 'server': ca and server name the authority's and the "
                + "server's own files"), err.toString());
    }

    @Test
    void badHostIsAUsageError() {
        assertEquals(2, run("--out", dir.toString(), "--host", "not a host"));
        assertTrue(err.toString().contains("Invalid --host: 'not a host' is neither a host name nor an IP address"),
                err.toString());
    }

    @Test
    void hostIsRequired() {
        assertEquals(2, run("--out", dir.toString()));
        assertTrue(err.toString().contains("--host"), err.toString());
    }

    @Test
    void unwritableDirectoryIsExitOne() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");

        assertEquals(1, run("--out", file.resolve("sub").toString(), "--host", "localhost"));
        assertTrue(err.toString().startsWith("auriga cert: cannot write"), err.toString());
    }

    private int run(String... args) {
        CommandLine command = new CommandLine(new CertCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }
}
