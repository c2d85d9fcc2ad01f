package io.auriga.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A database server seen as operating-system processes: its main process and everything it
 * forked. Used to simulate faults (crash, freeze) and to make sure nothing a sandbox started
 * survives it. Linux only: zombies are told apart through {@code /proc}.
 */
public final class ProcessTree {

    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 20;

    private ProcessTree() {
    }

    /** {@code root} and all its descendants, {@code root} first. */
    public static List<ProcessHandle> of(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        return tree;
    }

    /**
     * Sends {@code SIGKILL} to every process of {@code tree} and waits (bounded) until they are gone.
     *
     * @return the processes still alive at the deadline
     */
    public static List<ProcessHandle> killAll(List<ProcessHandle> tree, Duration timeout) {
        tree.forEach(ProcessHandle::destroyForcibly);
        return awaitExit(tree, timeout);
    }

    /**
     * Waits until every process of {@code tree} has exited. Polls, because {@link ProcessHandle#onExit()}
     * backs off up to seconds for processes that are not this JVM's children and counts zombies as alive.
     *
     * @return the processes still alive at the deadline
     */
    public static List<ProcessHandle> awaitExit(List<ProcessHandle> tree, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> alive = tree.stream().filter(ProcessTree::isRunning).toList();
        while (!alive.isEmpty() && System.nanoTime() < deadline && sleepPoll()) {
            alive = alive.stream().filter(ProcessTree::isRunning).toList();
        }
        return alive;
    }

    /**
     * Whether {@code process} still runs. A zombie does not: an exited server whose parent is init
     * stays a zombie until init reaps it, which a container's init may do only every second or so.
     * But a multi-threaded process whose main thread is a zombie while other threads still exit does:
     * its files, listening sockets among them, close only when the last thread is gone.
     */
    public static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        Path proc = Path.of("/proc", Long.toString(process.pid()));
        try {
            if (!isZombie(Files.readString(proc.resolve("stat")))) {
                return true;
            }
            try (var tasks = Files.list(proc.resolve("task"))) {
                return tasks.count() > 1;
            }
        } catch (IOException | RuntimeException e) {
            return process.isAlive();
        }
    }

    private static boolean isZombie(String stat) {
        int afterName = stat.lastIndexOf(')');
        return afterName >= 0 && afterName + 2 < stat.length() && stat.charAt(afterName + 2) == 'Z';
    }

    /**
     * Sends {@code signal} (e.g. {@code STOP}, {@code CONT}, {@code TERM}) to every process of
     * {@code tree} with {@code kill(1)}; processes that exited meanwhile are ignored.
     */
    public static void signal(List<ProcessHandle> tree, String signal) {
        if (tree.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        tree.forEach(process -> command.add(Long.toString(process.pid())));
        ProcessRunner.run(command, Map.of(), null, SIGNAL_TIMEOUT);
    }

    /**
     * {@link #killAll} for instance {@code name}, as a simulated crash must be: every process gone.
     *
     * @throws SandboxException when a process survived
     */
    public static void killOrThrow(String name, List<ProcessHandle> tree, Duration timeout) {
        List<ProcessHandle> alive = killAll(tree, timeout);
        if (!alive.isEmpty()) {
            throw new SandboxException("processes of " + name + " survived SIGKILL: " + pids(alive));
        }
    }

    /** The pids of {@code processes}, for messages. */
    public static String pids(List<ProcessHandle> processes) {
        return processes.stream().map(p -> Long.toString(p.pid())).toList().toString();
    }

    /** Sleeps one poll interval; false when interrupted (the interrupt flag is restored). */
    public static boolean sleepPoll() {
        try {
            Thread.sleep(POLL_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
