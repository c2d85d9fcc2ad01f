package io.auriga.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The {@code auriga} command run as a real child JVM, the way an operator runs it: same classpath
 * as the tests, its own stdout and stderr, stopped with a real signal. Output is pumped by two
 * daemon threads so the child never blocks on a full pipe; every wait has a deadline, and
 * {@link #close()} kills the child whatever happened.
 */
final class CliProcess implements AutoCloseable {
    private final List<String> args;
    private final Process process;
    private final Output stdout;
    private final Output stderr;

    private CliProcess(List<String> args, Process process) {
        this.args = args;
        this.process = process;
        this.stdout = Output.pump(process.getInputStream(), "stdout of " + process.pid());
        this.stderr = Output.pump(process.getErrorStream(), "stderr of " + process.pid());
    }

    /** Starts {@code auriga args...}. */
    static CliProcess start(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Small and quick to start: several of these run at once on a busy machine.
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                AurigaCommand.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().remove("AURIGA_LOG_LEVEL");
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            return new CliProcess(List.of(args), process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Runs {@code auriga args...} to completion; fails the test if it takes longer than {@code timeout}. */
    static Result run(Duration timeout, String... args) {
        try (CliProcess cli = start(args)) {
            int code = cli.awaitExit(timeout);
            return new Result(code, cli.stdout(), cli.stderr());
        }
    }

    /** The outcome of a finished command. */
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    long pid() {
        return process.pid();
    }

    String stdout() {
        return stdout.text();
    }

    String stderr() {
        return stderr.text();
    }

    /**
     * Waits until a line of stdout ({@code fromStdout}) or stderr matches; fails the test, with
     * both outputs, if the process exits first or the deadline passes.
     */
    void awaitLine(boolean fromStdout, Predicate<String> line, Duration timeout) {
        Output output = fromStdout ? stdout : stderr;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output.anyLine(line)) {
            if (!process.isAlive()) {
                // The pump may still be draining the last lines.
                output.awaitEnd(Duration.ofSeconds(5));
                if (output.anyLine(line)) {
                    return;
                }
                throw new AssertionError("auriga exited (code " + process.exitValue() + ") before printing the expected"
                        + " line\n" + describe());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the expected line did not appear within " + timeout + "\n" + describe());
            }
            output.awaitChange(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 200));
        }
    }

    /** Sends SIGHUP, as {@code kill -HUP PID} or {@code systemctl reload} would. */
    void hangUp() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -HUP " + process.pid() + " failed");
        }
    }

    /** Sends SIGTERM, as {@code kill PID} or a service manager would. */
    void terminate() {
        process.destroy();
    }

    /**
     * Waits for the process to exit and for its output to be fully read.
     *
     * @return its exit code
     * @throws AssertionError when it is still running at the deadline
     */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("auriga did not exit within " + timeout + "\n" + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for auriga to exit", e);
        }
        stdout.awaitEnd(Duration.ofSeconds(5));
        stderr.awaitEnd(Duration.ofSeconds(5));
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The command and both outputs so far, for failure messages. */
    String describe() {
        return "command: auriga " + String.join(" ", args) + "\n--- stdout ---\n" + stdout() + "\n--- stderr ---\n" + stderr();
    }

    /** Kills the process (SIGKILL) if it still runs, and waits a bounded time for it to go. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One output stream, read line by line into memory by a daemon thread. */
    private static final class Output {
        private final List<String> lines = new ArrayList<>();
        private boolean ended;

        static Output pump(InputStream in, String name) {
            Output output = new Output();
            Thread reader = new Thread(() -> output.readAll(in), "pump " + name);
            reader.setDaemon(true);
            reader.start();
            return output;
        }

        private void readAll(InputStream in) {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    synchronized (this) {
                        lines.add(line);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // The stream closes when the process is killed; what was read is kept.
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        synchronized String text() {
            return String.join("\n", lines);
        }

        synchronized boolean anyLine(Predicate<String> predicate) {
            return lines.stream().anyMatch(predicate);
        }

        synchronized void awaitChange(long millis) {
            try {
                // Once the stream has ended nothing will notify; wait out the interval anyway.
                wait(Math.max(1, millis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        synchronized void awaitEnd(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!ended) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return;
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
