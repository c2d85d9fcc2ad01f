package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Options of {@code auriga demo} that are refused before anything is provisioned. */
class DemoOptionsTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownTransportIsRefusedWithTheChoices() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new DemoCommand()).execute("--dir", dir.toString(), "--transport", "io_uring");
        } finally {
            System.setErr(saved);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, exit, message);
        assertTrue(message.contains("--transport must be one of auto, io-uring, epoll, nio, not 'io_uring'"), message);
        assertEquals(0, dir.toFile().list().length, "nothing was provisioned");
    }
}
