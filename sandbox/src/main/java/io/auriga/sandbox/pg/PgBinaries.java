package io.auriga.sandbox.pg;

import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The PostgreSQL server binaries of this machine: {@code postgres}, {@code initdb},
 * {@code pg_ctl}, {@code pg_basebackup}, {@code pg_rewind}, ….
 *
 * <p>Found, in order, through {@code pg_config --bindir} when {@code pg_config} is on the
 * {@code PATH}, then as the highest {@code /usr/lib/postgresql/<major>/bin} that holds both
 * {@code postgres} and {@code initdb} (the Debian/Ubuntu layout, where the server binaries are
 * not on the {@code PATH}).
 *
 * @param binDir       the directory holding the binaries
 * @param majorVersion the server's major version, e.g. {@code 15}
 */
public record PgBinaries(Path binDir, int majorVersion) {

    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    /** Finds the binaries on this machine, or empty when no usable server installation exists. */
    public static Optional<PgBinaries> find() {
        return fromPgConfig().or(PgBinaries::fromDebianLayout);
    }

    /** Uses the binaries in {@code binDir}; reads the major version from {@code postgres --version}. */
    public static PgBinaries at(Path binDir) {
        if (!isServerBinDir(binDir)) {
            throw new SandboxException("no postgres and initdb in " + binDir);
        }
        String out = capture(List.of(binDir.resolve("postgres").toString(), "--version"))
                .orElseThrow(() -> new SandboxException("cannot run " + binDir.resolve("postgres") + " --version"));
        return new PgBinaries(binDir, parseMajor(out));
    }

    /** The path of one binary, e.g. {@code bin("pg_ctl")}. */
    public Path bin(String name) {
        return binDir.resolve(name);
    }

    /**
     * Parses the major version from {@code postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)}
     * or {@code 9.6.24}-style output; for 9.x returns 9.
     */
    static int parseMajor(String versionOutput) {
        for (String token : versionOutput.trim().split("\\s+")) {
            if (!token.isEmpty() && Character.isDigit(token.charAt(0))) {
                String digits = token.split("[^0-9]", 2)[0];
                return Integer.parseInt(digits);
            }
        }
        throw new SandboxException("cannot read a PostgreSQL version from: " + versionOutput);
    }

    private static Optional<PgBinaries> fromPgConfig() {
        return capture(List.of("pg_config", "--bindir"))
                .map(out -> Path.of(out.trim()))
                .filter(PgBinaries::isServerBinDir)
                .map(PgBinaries::at);
    }

    private static Optional<PgBinaries> fromDebianLayout() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> majors = Files.list(DEBIAN_ROOT)) {
            return majors.map(dir -> dir.resolve("bin"))
                    .filter(PgBinaries::isServerBinDir)
                    .max(Comparator.comparingInt(PgBinaries::debianMajor))
                    .map(PgBinaries::at);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int debianMajor(Path binDir) {
        try {
            return Integer.parseInt(binDir.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isServerBinDir(Path dir) {
        return Files.isExecutable(dir.resolve("postgres")) && Files.isExecutable(dir.resolve("initdb"));
    }

    /** Runs a short probe command; empty when it cannot start, fails, or takes over 10 s. */
    private static Optional<String> capture(List<String> command) {
        try {
            ProcessRunner.Result result = ProcessRunner.run(command, Map.of(), null, Duration.ofSeconds(10));
            return result.ok() ? Optional.of(result.output()) : Optional.empty();
        } catch (SandboxException e) {
            return Optional.empty();
        }
    }
}
