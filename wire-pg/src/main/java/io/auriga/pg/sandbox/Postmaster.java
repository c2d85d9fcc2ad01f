package io.auriga.pg.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 20;

    private Postmaster() {
    }

    /**
     * The running postmaster of {@code dataDir}: the process {@code postmaster.pid} names, if it is
     * alive, not a zombie, and a {@code postgres} executable (a stale file may name a reused pid).
     */
    static Optional<ProcessHandle> of(Path dataDir) {
        return recordedPid(dataDir).flatMap(ProcessHandle::of)
                .filter(Postmaster::isRunning)
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
        if (recorded.isEmpty() || isRunning(recorded.get())) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (recorded.get().isAlive() && System.nanoTime() < deadline) {
            if (!sleepPoll()) {
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
        List<ProcessHandle> tree = new ArrayList<>();
        of(dataDir).ifPresent(postmaster -> {
            tree.add(postmaster);
            postmaster.descendants().forEach(tree::add);
        });
        return tree;
    }

    /**
     * Sends {@code SIGKILL} to every process of {@code tree} and waits (bounded) until they are gone.
     *
     * @return the processes still alive at the deadline
     */
    static List<ProcessHandle> killAll(List<ProcessHandle> tree, Duration timeout) {
        tree.forEach(ProcessHandle::destroyForcibly);
        return awaitExit(tree, timeout);
    }

    /**
     * Waits until every process of {@code tree} has exited. Polls, because {@link ProcessHandle#onExit()}
     * backs off up to seconds for processes that are not this JVM's children and counts zombies as alive.
     *
     * @return the processes still alive at the deadline
     */
    static List<ProcessHandle> awaitExit(List<ProcessHandle> tree, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> alive = tree.stream().filter(Postmaster::isRunning).toList();
        while (!alive.isEmpty() && System.nanoTime() < deadline && sleepPoll()) {
            alive = alive.stream().filter(Postmaster::isRunning).toList();
        }
        return alive;
    }

    /**
     * Whether {@code process} still runs. A zombie does not: an exited server whose parent is init
     * stays a zombie until init reaps it, which a container's init may do only every second or so.
     */
    static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            int afterName = stat.lastIndexOf(')');
            return afterName < 0 || afterName + 2 >= stat.length() || stat.charAt(afterName + 2) != 'Z';
        } catch (IOException e) {
            return process.isAlive();
        }
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

    /** Sleeps one poll interval; false when interrupted (the interrupt flag is restored). */
    private static boolean sleepPoll() {
        try {
            Thread.sleep(POLL_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Sends {@code signal} (e.g. {@code STOP}, {@code CONT}) to every process of {@code tree} with
     * {@code kill(1)}; processes that exited meanwhile are ignored.
     */
    static void signal(List<ProcessHandle> tree, String signal) {
        if (tree.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        tree.forEach(process -> command.add(Long.toString(process.pid())));
        ProcessRunner.run(command, Map.of(), null, SIGNAL_TIMEOUT);
    }
}
