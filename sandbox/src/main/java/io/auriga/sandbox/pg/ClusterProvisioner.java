package io.auriga.sandbox.pg;

import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.SandboxState;
import io.auriga.sandbox.SandboxTls;
import io.auriga.sandbox.ServerUser;
import io.auriga.sandbox.pg.PgSandbox.Instance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a new cluster in an empty sandbox directory:
 * <pre>
 *   initdb pg1 ─ configure ─ start ─ roles, database, one slot per replica
 *      └─ for each replica pgN: pg_basebackup -R -S pgN ─ configure ─ start ─ wait for "streaming"
 *   write sandbox.properties (the cluster is complete)
 * </pre>
 * Every server it starts is registered with {@link InstanceControl} at once, so a failure half-way
 * still leaves {@link PgSandbox#close()} able to stop what runs.
 */
final class ClusterProvisioner {

    private static final Logger log = LoggerFactory.getLogger(ClusterProvisioner.class);

    private static final Duration BASE_BACKUP_TIMEOUT = Duration.ofSeconds(180);
    private static final String INITDB_PASSWORD_FILE = ".initdb-password";
    private static final int LOG_TAIL_LINES = 30;

    private final PgSandboxOptions options;
    private final PgBinaries binaries;
    private final ServerUser serverUser;
    private final PgCommands commands;
    private final PgConfigFiles configFiles;
    private final InstanceControl control;

    ClusterProvisioner(PgSandboxOptions options, PgBinaries binaries, ServerUser serverUser,
                       PgCommands commands, InstanceControl control) {
        this.options = options;
        this.binaries = binaries;
        this.serverUser = serverUser;
        this.commands = commands;
        this.configFiles = new PgConfigFiles(serverUser);
        this.control = control;
    }

    /**
     * Provisions {@code instances}, the first as primary, and records the result.
     *
     * @return the recorded state
     */
    SandboxState provision(List<Instance> instances, String adminPassword) {
        Instance primary = instances.get(0);
        List<Instance> replicas = instances.subList(1, instances.size());
        initPrimary(primary, adminPassword);
        control.start(primary);
        try (Connection admin = SandboxSql.connect(primary.port(), "postgres", PgSandboxOptions.ADMIN_USER,
                adminPassword)) {
            SandboxSql.createApplicationUser(admin, options.user(), options.password(), options.database());
            for (Instance replica : replicas) {
                SandboxSql.createSlot(admin, replica.name());
            }
            for (Instance replica : replicas) {
                addReplica(admin, primary, replica, adminPassword);
            }
        } catch (SQLException e) {
            throw new SandboxException("cannot set up the primary " + primary.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while provisioning the sandbox", e);
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        instances.forEach(instance -> ports.put(instance.name(), instance.port()));
        SandboxState state = new SandboxState(Integer.toString(binaries.majorVersion()), ports);
        state.write(options.directory());
        return state;
    }

    private void initPrimary(Instance primary, String adminPassword) {
        log.info("initialising primary {} in {}", primary.name(), primary.dataDir());
        Path pwFile = options.directory().resolve(INITDB_PASSWORD_FILE);
        try {
            Files.deleteIfExists(pwFile);
            Files.createFile(pwFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(pwFile, adminPassword + "\n", StandardCharsets.UTF_8);
            serverUser.takeOwnership(pwFile, false);
            commands.initdb(primary.dataDir(), PgSandboxOptions.ADMIN_USER, pwFile);
        } catch (IOException e) {
            throw new SandboxException("cannot write " + pwFile + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(pwFile);
        }
        configFiles.writeShared(primary.dataDir());
        configFiles.writeInstance(primary.dataDir(), primary.name(), primary.port());
        // ssl = on reads these from the data directory; pg_basebackup copies them to every replica.
        SandboxTls.install(SandboxTls.ensure(options.directory()), primary.dataDir().resolve("server.crt"),
                primary.dataDir().resolve("server.key"), serverUser);
    }

    private void addReplica(Connection admin, Instance primary, Instance replica, String adminPassword)
            throws SQLException, InterruptedException {
        log.info("cloning {} from {} into {}", replica.name(), primary.name(), replica.dataDir());
        commands.baseBackup(replica.dataDir(), primary.port(), PgSandboxOptions.ADMIN_USER, adminPassword,
                replica.name(), BASE_BACKUP_TIMEOUT);
        configFiles.writeInstance(replica.dataDir(), replica.name(), replica.port());
        deleteQuietly(replica.dataDir().resolve(PgConfigFiles.LOG_FILE)); // the primary's log, copied along
        control.start(replica);
        if (!SandboxSql.awaitStreaming(admin, replica.name(), options.startTimeout())) {
            Path logFile = replica.dataDir().resolve(PgConfigFiles.LOG_FILE);
            throw new SandboxException(replica.name() + " did not reach state 'streaming' in pg_stat_replication of "
                    + primary.name() + " within " + options.startTimeout() + "; last lines of " + logFile + ":\n"
                    + ProcessRunner.tailOfFile(logFile, LOG_TAIL_LINES));
        }
        log.info("{} is streaming from {}", replica.name(), primary.name());
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", file, e.getMessage());
        }
    }
}
