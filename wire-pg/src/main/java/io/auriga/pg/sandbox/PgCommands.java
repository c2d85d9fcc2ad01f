package io.auriga.pg.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL command-line tools the sandbox drives, each run as the {@link ServerUser} with a
 * deadline. A failure throws a {@link SandboxException} with the command and its output tail (plus,
 * for a server that would not start, the tail of its log).
 */
final class PgCommands {

    private static final Duration INITDB_TIMEOUT = Duration.ofSeconds(120);
    /** Added to pg_ctl's own wait so pg_ctl reports a slow server itself before it is killed. */
    private static final Duration PG_CTL_SLACK = Duration.ofSeconds(15);
    private static final int LOG_TAIL_LINES = 30;

    private final PgBinaries binaries;
    private final ServerUser user;
    private final Path workDir;

    /**
     * @param workDir working directory of every command; must be readable by the server user
     *                (tools complain when they cannot return to their working directory)
     */
    PgCommands(PgBinaries binaries, ServerUser user, Path workDir) {
        this.binaries = binaries;
        this.user = user;
        this.workDir = workDir;
    }

    /**
     * Initialises a cluster whose bootstrap superuser is {@code superuser}, with the password in
     * {@code pwFile}. Data checksums are on, so {@code pg_rewind} works on a former primary.
     */
    void initdb(Path dataDir, String superuser, Path pwFile) {
        run(INITDB_TIMEOUT, Map.of(), bin("initdb"),
                "-D", dataDir.toString(),
                "-U", superuser,
                "--pwfile=" + pwFile,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E", "UTF8",
                "--locale=C",
                "--data-checksums");
    }

    /** Starts the server of {@code dataDir} and waits until it accepts connections. */
    void start(Path dataDir, Duration timeout) {
        Path logFile = dataDir.resolve(PgConfigFiles.LOG_FILE);
        ProcessRunner.Result result = ProcessRunner.run(user.wrap(List.of(bin("pg_ctl"), "start",
                        "-D", dataDir.toString(),
                        "-l", logFile.toString(),
                        "-w", "-t", Long.toString(Math.max(1, timeout.toSeconds())))),
                Map.of(), workDir, timeout.plus(PG_CTL_SLACK));
        if (!result.ok()) {
            throw new SandboxException("cannot start the server in " + dataDir + ": "
                    + String.join(" ", result.command()) + " exited with " + result.exitCode()
                    + ProcessRunner.tailSection(result.output())
                    + "\nlast lines of " + logFile + ":\n" + ProcessRunner.tailOfFile(logFile, LOG_TAIL_LINES));
        }
    }

    /**
     * Stops the server of {@code dataDir} and waits for it to exit.
     *
     * @param mode {@code smart}, {@code fast} (disconnect clients, checkpoint) or {@code immediate} (no checkpoint)
     */
    void stop(Path dataDir, String mode, Duration timeout) {
        run(timeout.plus(PG_CTL_SLACK), Map.of(), bin("pg_ctl"), "stop",
                "-D", dataDir.toString(),
                "-m", mode,
                "-w", "-t", Long.toString(Math.max(1, timeout.toSeconds())));
    }

    /**
     * Clones the primary on {@code 127.0.0.1:primaryPort} into {@code target} as a standby that
     * streams through replication slot {@code slot}: {@code -R} writes {@code standby.signal} and
     * {@code primary_conninfo} (whose {@code application_name} is {@code slot}, so the primary's
     * {@code pg_stat_replication} names the replica).
     */
    void baseBackup(Path target, int primaryPort, String adminUser, String adminPassword, String slot,
                    Duration timeout) {
        String conninfo = "host=127.0.0.1 port=" + primaryPort + " user=" + adminUser + " application_name=" + slot;
        run(timeout, Map.of("PGPASSWORD", adminPassword), bin("pg_basebackup"),
                "-d", conninfo,
                "-D", target.toString(),
                "-R",
                "-S", slot,
                "-X", "stream",
                "--checkpoint=fast");
    }

    private void run(Duration timeout, Map<String, String> env, String... command) {
        ProcessRunner.runChecked(user.wrap(List.of(command)), env, workDir, timeout);
    }

    private String bin(String name) {
        return binaries.bin(name).toString();
    }
}
