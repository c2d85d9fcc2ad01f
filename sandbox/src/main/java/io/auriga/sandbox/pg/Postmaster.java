package io.auriga.sandbox.pg;

import io.auriga.sandbox.ProcessTree;
import io.auriga.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server of one data directory, seen as operating-system processes: the postmaster
 * (its pid is the first line of {@code postmaster.pid}) and the backends and workers it forked.
 * Used to simulate faults (crash, freeze) and to make sure nothing survives {@link PgSandbox#close()}.
 */
final class Postmaster {

    private static final Logger log = LoggerFactory.getLogger(Postmaster.class);

    private Postmaster() {
    }

    /**
     * The running postmaster of {@code dataDir}: the process {@code postmaster.pid} names, if it is
     * alive, not a zombie, and a {@code postgres} executable (a stale file may name a reused pid).
     */
    static Optional<ProcessHandle> of(Path dataDir) {
        return recordedPid(dataDir).flatMap(ProcessHandle::of)
                .filter(ProcessTree::isRunning)
                .filter(Postmaster::isPostgres);
    }

    /**
     * Makes a {@code postmaster.pid} left by a killed server harmless. Its postmaster may linger as
     * a zombie until init reaps it, and while the pid exists the next server refuses to start ("lock
     * file already exists"). Waits up to {@code timeout} for the reaping; if the zombie is still
     * there (an init that never reaps, e.g. a JVM running as pid 1), deletes the lock file, which is
     * safe because the process it names is dead.
     */
    static void clearZombieLock(Path dataDir, Duration timeout) {
        Optional<ProcessHandle> recorded = recordedPid(dataDir).flatMap(ProcessHandle::of);
        if (recorded.isEmpty() || ProcessTree.isRunning(recorded.get())) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (recorded.get().isAlive() && System.nanoTime() < deadline) {
            if (!ProcessTree.sleepPoll()) {
                return;
            }
        }
        if (recorded.get().isAlive()) {
            log.info("postmaster {} of {} is an unreaped zombie; removing its postmaster.pid",
                    recorded.get().pid(), dataDir);
            try {
                Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
            } catch (IOException e) {
                throw new SandboxException("cannot remove the stale " + dataDir.resolve("postmaster.pid") + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** The postmaster of {@code dataDir} and all its descendants, postmaster first; empty when none runs. */
    static List<ProcessHandle> tree(Path dataDir) {
        return of(dataDir).map(ProcessTree::of).orElse(List.of());
    }

    private static boolean isPostgres(ProcessHandle process) {
        return process.info().command().map(cmd -> Path.of(cmd).getFileName().toString())
                .map(name -> name.equals("postgres") || name.equals("postmaster"))
                .orElse(true); // not readable: trust the lock file, as pg_ctl does
    }

    private static Optional<Long> recordedPid(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
