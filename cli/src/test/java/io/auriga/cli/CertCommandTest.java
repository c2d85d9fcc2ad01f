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
