package io.auriga.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one external command with a deadline and captures its combined output.
 *
 * <p>Output goes to a temporary file rather than a pipe: a command such as {@code pg_ctl start} leaves a server
 * running that may inherit the command's descriptors, and a pipe held open by a grandchild would
 * make a reader wait forever. A command that outlives its timeout is killed together with its
 * descendants (a {@code runuser} wrapper does not forward {@code SIGKILL}).
 */
public final class ProcessRunner {

    private static final Logger log = LoggerFactory.getLogger(ProcessRunner.class);
    private static final int TAIL_LINES = 25;
    /** At most this many error lines from before the tail. */
    private static final int ERROR_LINES = 10;

    private ProcessRunner() {
    }

    /**
     * The outcome of one command.
     *
     * @param command  the command line as run
     * @param exitCode its exit status
     * @param output   stdout and stderr, interleaved
     */
    public record Result(List<String> command, int exitCode, String output) {

        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws a {@link SandboxException} naming the command and its output tail unless it succeeded. */
        public Result orThrow() {
            if (!ok()) {
                throw new SandboxException(String.join(" ", command) + " exited with " + exitCode
                        + tailSection(output));
            }
            return this;
        }
    }

    /** Runs {@code command} and throws unless it exits with status 0 before {@code timeout}. */
    public static Result runChecked(List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
        return run(command, env, workDir, timeout).orThrow();
    }

    /**
     * Runs {@code command} to completion; a non-zero exit is returned, not thrown. Throws when the
     * command cannot be started or does not finish before {@code timeout}.
     *
     * @param env     variables added to this JVM's environment (never logged: they may hold secrets)
     * @param workDir the working directory, or {@code null} for this JVM's
     */
    public static Result run(List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
        log.debug("running {}", String.join(" ", command));
        Path out = null;
        try {
            out = Files.createTempFile("auriga-sandbox-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(env);
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            Process process = builder.start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                killTree(process.toHandle());
                throw new SandboxException(String.join(" ", command) + " did not finish within " + timeout
                        + tailSection(readQuietly(out)));
            }
            return new Result(List.copyOf(command), process.exitValue(), readQuietly(out));
        } catch (IOException e) {
            throw new SandboxException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(out);
        }
    }

    /**
     * The last lines of {@code text}, formatted to end an error message; empty when there is none.
     * Lines before them that name an error come first: tools such as {@code mariadb-install-db}
     * print the reason they failed and then pages of usage text, which would push it out of the tail.
     */
    public static String tailSection(String text) {
        List<String> all = text.lines().toList();
        int tailStart = Math.max(0, all.size() - TAIL_LINES);
        List<String> errors = all.subList(0, tailStart).stream().filter(ProcessRunner::namesAnError)
                .limit(ERROR_LINES).toList();
        String tail = String.join("\n", all.subList(tailStart, all.size()));
        if (tail.isBlank()) {
            return "";
        }
        return (errors.isEmpty() ? "" : "; earlier errors:\n" + String.join("\n", errors)) + "; last output:\n" + tail;
    }

    private static boolean namesAnError(String line) {
        String lower = line.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("error") || lower.contains("fatal") || lower.contains("denied")
                || lower.contains("cannot") || lower.contains("can't") || lower.contains("failed");
    }

    /** The last {@code lines} lines of {@code text}. */
    public static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** The last {@code lines} lines of a file, or a note saying why there are none. */
    public static String tailOfFile(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(no " + file + ")";
        }
        return tail(readQuietly(file), lines);
    }

    private static void killTree(ProcessHandle process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static String readQuietly(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("cannot delete {}", file, e);
        }
    }
}
