package io.auriga.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.auriga.core.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTreeTest {

    /** A process whose main thread has exited (a zombie) while another thread still runs, as a killed server is for a moment. */
    private static final String MAIN_THREAD_GONE = """
            #include <pthread.h>
            #include <unistd.h>
            static void *sleeper(void *arg) { (void) arg; sleep(60); return 0; }
            int main(void) {
                pthread_t t;
                pthread_create(&t, 0, sleeper, 0);
                pthread_exit(0);
            }
            """;

    @TempDir
    Path dir;

    @Test
    void aProcessWhoseMainThreadIsAZombieStillRunsUntilItsLastThreadIsGone() throws Exception {
        Path source = Files.writeString(dir.resolve("main_thread_gone.c"), MAIN_THREAD_GONE);
        Path binary = dir.resolve("main_thread_gone");
        ProcessRunner.Result compiled = ProcessRunner.run(List.of("cc", "-pthread", "-o", binary.toString(),
                source.toString()), Map.of(), null, Duration.ofSeconds(60));
        assumeTrue(compiled.exitCode() == 0 && Files.isExecutable(binary), "no C compiler: " + compiled.output());
        Process process = new ProcessBuilder(binary.toString()).start();
        ProcessHandle handle = process.toHandle();
        try {
            Path stat = Path.of("/proc", Long.toString(handle.pid()), "stat");
            // Nothing tells when the main thread has gone; the kernel's process state shows it.
            assertTrue(Poll.poll(Duration.ofSeconds(10), () -> Files.readString(stat).contains(") Z ")),
                    "the main thread has exited: " + Files.readString(stat));

            assertTrue(ProcessTree.isRunning(handle), "its other thread still runs (and holds its files open)");
            assertEquals(List.of(handle), ProcessTree.awaitExit(List.of(handle), Duration.ofMillis(300)));

            assertEquals(List.of(), ProcessTree.killAll(List.of(handle), Duration.ofSeconds(10)));
        } finally {
            process.destroyForcibly();
        }
    }
}
