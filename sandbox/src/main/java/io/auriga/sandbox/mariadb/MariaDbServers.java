package io.auriga.sandbox.mariadb;

import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.ProcessTree;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.ServerControl;
import io.auriga.sandbox.ServerSignals;
import io.auriga.sandbox.mariadb.MariaDbSandbox.Instance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, stops and signals the {@code mariadbd} processes of a sandbox, and remembers which ones it
 * owns (started or adopted), so that closing the sandbox stops exactly those. A server is one
 * process (threads, no children), found through its pid file. Not thread-safe: {@link MariaDbSandbox}
 * calls it under its own lock.
 */
final class MariaDbServers implements ServerControl<Instance> {

    private static final Logger log = LoggerFactory.getLogger(MariaDbServers.class);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);
    private static final int LOG_TAIL_LINES = 30;
    private static final long POLL_MILLIS = 100;

    private final MariaDbBinaries binaries;
    private final Duration startTimeout;
    private final ServerSignals signals = new ServerSignals();
    private String adminPassword;

    MariaDbServers(MariaDbBinaries binaries, Duration startTimeout) {
        this.binaries = binaries;
        this.startTimeout = startTimeout;
    }

    /** The password readiness checks log in with; set before the first {@link #start}. */
    void adminPassword(String password) {
        this.adminPassword = password;
    }

    /**
     * Starts the instance's server and waits until the admin account can log in over TCP. A server
     * already running from the instance's pid file (left by an earlier run that was killed) is adopted.
     *
     * @throws SandboxException with the tail of the error log when the server exits or is not ready in time
     */
    @Override
    public void start(Instance instance) {
        if (process(instance).isPresent()) {
            log.info("{} is already running on port {}; adopting it", instance.name(), instance.port());
            signals.own(instance.name());
            return;
        }
        log.info("starting {} on {}:{}", instance.name(), instance.host(), instance.port());
        Process process;
        try {
            process = new ProcessBuilder(binaries.server().toString(), "--defaults-file=" + instance.configFile())
                    .directory(instance.directory().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(instance.directory().resolve("mariadbd.out").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            throw new SandboxException("cannot run " + binaries.server() + ": " + e.getMessage(), e);
        }
        signals.own(instance.name());
        awaitReady(instance, process);
    }

    /** Stops the instance cleanly ({@code SIGTERM}: InnoDB shuts down) and returns once the process is gone. */
    @Override
    public void stop(Instance instance) {
        resume(instance);
        Optional<ProcessHandle> process = process(instance);
        signals.disown(instance.name());
        if (process.isEmpty()) {
            return;
        }
        log.info("stopping {}", instance.name());
        process.get().destroy();
        List<ProcessHandle> alive = ProcessTree.awaitExit(List.of(process.get()), STOP_TIMEOUT);
        if (!alive.isEmpty()) {
            throw new SandboxException(instance.name() + " did not stop within " + STOP_TIMEOUT
                    + " of SIGTERM (pid " + process.get().pid() + ")" + errorLogTail(instance));
        }
    }

    /** Crashes the instance with {@code SIGKILL}, as a lost host would; the next start recovers. */
    @Override
    public void kill(Instance instance) {
        signals.kill(instance.name(), tree(instance));
    }

    /** Freezes the instance with {@code SIGSTOP}: connections stay open but nothing answers. */
    @Override
    public void pause(Instance instance) {
        signals.pause(instance.name(), tree(instance));
    }

    /** Undoes {@link #pause} with {@code SIGCONT}; a no-op unless paused. */
    @Override
    public void resume(Instance instance) {
        signals.resume(instance.name(), () -> tree(instance));
    }

    @Override
    public boolean isPaused(Instance instance) {
        return signals.isPaused(instance.name());
    }

    /** Whether a server runs from the instance's pid file, whoever started it. */
    @Override
    public boolean isRunning(Instance instance) {
        return process(instance).isPresent();
    }

    /**
     * Stops every owned instance, replicas first: {@code SIGTERM}, then {@code SIGKILL} to a server
     * that has not exited within a few seconds. Never throws; problems are logged.
     */
    @Override
    public void stopAll(List<Instance> instances) {
        List<Instance> reversed = new ArrayList<>(instances);
        Collections.reverse(reversed);
        for (Instance instance : reversed) {
            if (!signals.owns(instance.name())) {
                continue;
            }
            try {
                resume(instance);
                List<ProcessHandle> tree = tree(instance);
                tree.forEach(ProcessHandle::destroy);
                List<ProcessHandle> left = ProcessTree.awaitExit(tree, CLOSE_TIMEOUT);
                if (!left.isEmpty()) {
                    log.warn("{} did not stop within {}; killing it", instance.name(), CLOSE_TIMEOUT);
                    left = ProcessTree.killAll(left, KILL_TIMEOUT);
                }
                if (!left.isEmpty()) {
                    log.warn("processes of {} survived SIGKILL: {}", instance.name(), ProcessTree.pids(left));
                }
                signals.disown(instance.name());
                log.info("stopped {}", instance.name());
            } catch (RuntimeException e) {
                log.warn("cannot stop {}: {}", instance.name(), e.toString());
            }
        }
    }

    /** The last lines of the instance's error log, formatted to end an exception message. */
    static String errorLogTail(Instance instance) {
        return "; last lines of " + instance.errorLog() + ":\n" + ProcessRunner.tailOfFile(instance.errorLog(),
                LOG_TAIL_LINES);
    }

    /**
     * The running server of the instance: the process its pid file names, if alive, not a zombie, and
     * a {@code mariadbd} (a stale file may name a reused pid).
     */
    static Optional<ProcessHandle> process(Instance instance) {
        try {
            List<String> lines = Files.readAllLines(instance.pidFile());
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
                    .filter(ProcessTree::isRunning)
                    .filter(MariaDbServers::isMariaDbServer);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static List<ProcessHandle> tree(Instance instance) {
        return process(instance).map(ProcessTree::of).orElse(List.of());
    }

    private static boolean isMariaDbServer(ProcessHandle process) {
        return process.info().command().map(cmd -> Path.of(cmd).getFileName().toString())
                .map(name -> name.equals("mariadbd") || name.equals("mysqld"))
                .orElse(true); // not readable: trust the pid file
    }

    private void awaitReady(Instance instance, Process process) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                signals.disown(instance.name());
                throw new SandboxException(instance.name() + " exited with status " + process.exitValue()
                        + " while starting" + errorLogTail(instance));
            }
            try (Connection c = MariaDbSql.connect(instance.port(), MariaDbSandboxOptions.ADMIN_USER,
                    adminPassword)) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while waiting for " + instance.name(), e);
            }
        }
        ProcessTree.killAll(ProcessTree.of(process.toHandle()), KILL_TIMEOUT);
        signals.disown(instance.name());
        throw new SandboxException(instance.name() + " did not accept connections within " + startTimeout
                + (last == null ? "" : " (last attempt: " + last.getMessage() + ")") + errorLogTail(instance));
    }
}
