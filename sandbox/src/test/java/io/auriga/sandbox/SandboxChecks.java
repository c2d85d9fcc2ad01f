package io.auriga.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Checks the sandbox tests of every engine make on what a stopped or killed instance leaves behind. */
public final class SandboxChecks {

    private SandboxChecks() {
    }

    /** No process mentions {@code instanceDir} any more and nothing listens on {@code port}. */
    public static void assertStopped(String name, Path instanceDir, int port) {
        assertEquals("", processesMentioning(instanceDir), "processes of " + name);
        assertTrue(Ports.isFree(port), "port of " + name + " still open");
    }

    /** {@code pgrep -f dir}: the pids of processes whose command line mentions {@code dir}, or "". */
    public static String processesMentioning(Path dir) {
        return ProcessRunner.run(List.of("pgrep", "-f", dir.toString()), Map.of(), null, Duration.ofSeconds(10))
                .output().strip();
    }
}
