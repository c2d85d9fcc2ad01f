package io.auriga.sandbox.pg;

import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.ServerUser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
    private static final Duration CONTROL_DATA_TIMEOUT = Duration.ofSeconds(30);
    private static final String CLUSTER_STATE = "Database cluster state:";
    /** Messages parsed below are English only in the C locale. */
    private static final Map<String, String> C_LOCALE = Map.of("LC_ALL", "C", "LANG", "C");

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
                "--auth-local=scram-sha-256",
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

    /**
     * The "Database cluster state" {@code pg_controldata} reads from {@code dataDir}'s control file:
     * {@code shut down} and {@code shut down in recovery} mean a clean shutdown; {@code in production},
     * {@code in archive recovery} and the like, on a stopped server, mean it crashed.
     */
    String clusterState(Path dataDir) {
        String output = run(CONTROL_DATA_TIMEOUT, C_LOCALE, bin("pg_controldata"), "-D", dataDir.toString());
        return output.lines()
                .filter(line -> line.startsWith(CLUSTER_STATE))
                .map(line -> line.substring(CLUSTER_STATE.length()).strip())
                .findFirst()
                .orElseThrow(() -> new SandboxException("pg_controldata -D " + dataDir + " shows no \""
                        + CLUSTER_STATE + "\"" + ProcessRunner.tailSection(output)));
    }

    /**
     * Runs crash recovery on the stopped server of {@code dataDir} and shuts it down cleanly, with no
     * listener open: {@code postgres --single} on {@code template1} with standard input at end of file
     * (as {@code pg_rewind} itself does). Refused by PostgreSQL for a standby ({@code standby.signal}).
     */
    void singleUserRecovery(Path dataDir, Duration timeout) {
        run(timeout, C_LOCALE, bin("postgres"), "--single", "-F", "-D", dataDir.toString(), "template1");
    }

    /**
     * Rewinds the stopped server of {@code target} to the history of the running server on
     * {@code 127.0.0.1:sourcePort}: {@code pg_rewind --source-server}. The password goes through
     * {@code PGPASSWORD}, never the command line.
     *
     * @return the tool's output; it says {@code no rewind required} when the target's history is
     *         already part of the source's
     */
    String rewind(Path target, int sourcePort, String adminUser, String adminPassword, Duration timeout) {
        Map<String, String> env = new HashMap<>(C_LOCALE);
        env.put("PGPASSWORD", adminPassword);
        return run(timeout, env, bin("pg_rewind"),
                "--target-pgdata=" + target,
                "--source-server=host=127.0.0.1 port=" + sourcePort + " user=" + adminUser + " dbname=postgres");
    }

    private String run(Duration timeout, Map<String, String> env, String... command) {
        return ProcessRunner.runChecked(user.wrap(List.of(command)), env, workDir, timeout).output();
    }

    private String bin(String name) {
        return binaries.bin(name).toString();
    }
}
