package io.auriga.sandbox.pg;

import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.pg.PgSandbox.Instance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an instance that left the replication stream (typically a former primary after a failover:
 * crashed, cleanly stopped, or back up and fenced read-only) into a standby streaming from the
 * current primary:
 * <pre>
 *   new primary: must be out of recovery ─ physical slot &lt;name&gt; (reserved now) ─ CHECKPOINT
 *   instance:    stop -m fast (kill if that fails)
 *                └─ crashed? crash recovery, ending in a clean shutdown
 *                   (postgres --single; a standby is started and stopped instead)
 *                pg_rewind --source-server=&lt;new primary&gt;   ("no rewind required" is fine)
 *                restore its own auriga-instance.conf and log (pg_rewind copies the source's)
 *                postgresql.auto.conf: no fence, primary_conninfo + primary_slot_name; standby.signal
 *                start ─ wait until the new primary's pg_stat_replication shows it streaming
 *                drop the slots it kept from its time as primary
 * </pre>
 * pg_rewind only works on a target that shut down cleanly. PostgreSQL 13+ pg_rewind would run the
 * single-user recovery itself; doing it here first keeps the step bounded, reported on its own, and
 * lets a crashed standby be handled too (single-user mode refuses {@code standby.signal}).
 * Not thread-safe: {@link PgSandbox} calls it under its own lock.
 */
final class InstanceRejoiner {

    private static final Logger log = LoggerFactory.getLogger(InstanceRejoiner.class);

    private static final Duration REWIND_TIMEOUT = Duration.ofSeconds(180);
    private static final Set<String> CLEAN_STATES = Set.of("shut down", "shut down in recovery");
    private static final String NO_REWIND_REQUIRED = "no rewind required";
    private static final int LOG_TAIL_LINES = 30;

    private final PgCommands commands;
    private final InstanceControl control;
    private final PgConfigFiles configFiles;
    private final Path sandboxDir;
    private final Duration startTimeout;
    private final String adminPassword;

    InstanceRejoiner(PgCommands commands, InstanceControl control, PgConfigFiles configFiles, Path sandboxDir,
                     Duration startTimeout, String adminPassword) {
        this.commands = commands;
        this.control = control;
        this.configFiles = configFiles;
        this.sandboxDir = sandboxDir;
        this.startTimeout = startTimeout;
        this.adminPassword = adminPassword;
    }

    /** Makes {@code instance} a standby streaming from {@code newPrimary}; see the class comment. */
    void rejoin(Instance instance, Instance newPrimary) {
        log.info("rejoining {} as a standby of {}", instance.name(), newPrimary.name());
        try {
            try (Connection primary = connectAdmin(newPrimary)) {
                if (SandboxSql.isInRecovery(primary)) {
                    throw new SandboxException(newPrimary.name() + " is in recovery; " + instance.name()
                            + " can only rejoin a primary");
                }
                SandboxSql.createReservedSlot(primary, instance.name());
                // pg_rewind reads the source's timeline from its control file, which a promotion
                // updates only at the next checkpoint (asynchronous since PostgreSQL 9.3's fast
                // promotion); before that it wrongly finds "the same timeline" and rewinds nothing.
                SandboxSql.checkpoint(primary);
            }
            control.stopOrKill(instance);
            ensureCleanShutdown(instance);
            rewind(instance, newPrimary);
            configFiles.writeStandby(instance.dataDir(), PgConfigFiles.primaryConninfo(newPrimary.port(),
                    PgSandboxOptions.ADMIN_USER, adminPassword, instance.name()), instance.name());
            control.start(instance);
            try (Connection primary = connectAdmin(newPrimary)) {
                if (!SandboxSql.awaitStreaming(primary, instance.name(), startTimeout)) {
                    throw new SandboxException(instance.name() + " did not reach state 'streaming' in "
                            + "pg_stat_replication of " + newPrimary.name() + " within " + startTimeout
                            + "; last lines of " + instance.logFile() + ":\n"
                            + ProcessRunner.tailOfFile(instance.logFile(), LOG_TAIL_LINES));
                }
            }
            try (Connection standby = connectAdmin(instance)) {
                if (!SandboxSql.isInRecovery(standby)) {
                    throw new SandboxException(instance.name() + " streams from " + newPrimary.name()
                            + " but is not in recovery");
                }
                // Slots it served as primary would pin WAL on it forever; nothing streams from it now.
                List<String> dropped = SandboxSql.dropInactivePhysicalSlots(standby);
                if (!dropped.isEmpty()) {
                    log.info("dropped the stale replication slots {} of {}", dropped, instance.name());
                }
            }
        } catch (SQLException e) {
            throw new SandboxException("cannot rejoin " + instance.name() + " to " + newPrimary.name() + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while rejoining " + instance.name(), e);
        }
        log.info("{} is a standby streaming from {}", instance.name(), newPrimary.name());
    }

    /**
     * Brings a crashed, stopped server to a clean shutdown, which pg_rewind requires: crash recovery in
     * single-user mode (no listener, so no client can write meanwhile), or, for a standby, a start and
     * a fast stop (a standby takes no writes, and single-user mode refuses it).
     */
    private void ensureCleanShutdown(Instance instance) {
        Path dataDir = instance.dataDir();
        String state = commands.clusterState(dataDir);
        if (CLEAN_STATES.contains(state)) {
            return;
        }
        log.info("{} did not shut down cleanly (cluster state \"{}\"); running crash recovery", instance.name(), state);
        Postmaster.clearZombieLock(dataDir, startTimeout);
        if (Files.exists(dataDir.resolve(PgConfigFiles.STANDBY_SIGNAL))) {
            control.start(instance);
            control.stop(instance);
        } else {
            commands.singleUserRecovery(dataDir, startTimeout);
        }
        String after = commands.clusterState(dataDir);
        if (!CLEAN_STATES.contains(after)) {
            throw new SandboxException("crash recovery left " + instance.name() + " in cluster state \"" + after
                    + "\"; pg_rewind needs a clean shutdown");
        }
    }

    /**
     * pg_rewind copies every non-relation file from the source, among them the source's
     * {@value PgConfigFiles#INSTANCE_CONF} (its port and name) and its server log: the instance's own
     * are put back afterwards, whether the rewind worked or not.
     */
    private void rewind(Instance instance, Instance newPrimary) {
        Path logFile = instance.logFile();
        Path savedLog = sandboxDir.resolve("." + instance.name() + "-" + PgConfigFiles.LOG_FILE + ".rewind");
        boolean hadLog = Files.exists(logFile);
        move(logFile, savedLog);
        try {
            String output = commands.rewind(instance.dataDir(), newPrimary.port(), PgSandboxOptions.ADMIN_USER,
                    adminPassword, REWIND_TIMEOUT);
            if (output.contains(NO_REWIND_REQUIRED)) {
                log.info("{} needs no rewind: its history is part of {}'s", instance.name(), newPrimary.name());
            } else {
                log.info("rewound {} to the history of {}", instance.name(), newPrimary.name());
            }
        } finally {
            if (hadLog) {
                move(savedLog, logFile);
            } else {
                deleteIfExists(logFile);
            }
            configFiles.writeInstance(instance.dataDir(), instance.name(), instance.port());
        }
    }

    private static void move(Path from, Path to) {
        if (!Files.exists(from)) {
            return;
        }
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new SandboxException("cannot move " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", file, e.getMessage());
        }
    }

    private Connection connectAdmin(Instance instance) throws SQLException {
        return SandboxSql.connect(instance.port(), "postgres", PgSandboxOptions.ADMIN_USER, adminPassword);
    }
}
