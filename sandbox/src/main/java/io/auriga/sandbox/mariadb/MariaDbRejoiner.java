package io.auriga.sandbox.mariadb;

import io.auriga.core.health.GtidPosition;
import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.mariadb.MariaDbSandbox.Instance;
import io.auriga.sandbox.mariadb.MariaDbSandbox.Rejoined;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an instance that left replication (typically a former primary after a failover: crashed,
 * stopped, or back and fenced read-only) into a replica of the current primary:
 * <pre>
 *   new primary: must take writes ─ @@gtid_binlog_state (last GTID per domain and server id)
 *   instance:    my.cnf read-only=ON ─ start if down ─ SET GLOBAL read_only=ON ─ STOP SLAVE
 *                (semi-sync replica side on when the new primary has semi-sync on)
 *                @@gtid_binlog_state covered by the new primary's? (same domain and server id, sequence ≤)
 *                ├─ yes: gtid_slave_pos := gtid_binlog_pos ─ CHANGE MASTER … MASTER_USE_GTID=slave_pos ─ START SLAVE
 *                └─ no (it logged transactions the new primary never got; gtid_strict_mode would stop
 *                   replication at the first of them): log those GTIDs, then re-provision —
 *                   stop ─ delete its data ─ mariadb-install-db ─ start ─ mariadb-dump --gtid of the new
 *                   primary (application databases and accounts) ─ restore with sql_log_bin=0
 *                   ─ gtid_slave_pos := the dump's position ─ CHANGE MASTER ─ START SLAVE
 *   done when:   MASTER_GTID_WAIT(new primary's position) and both replication threads run
 * </pre>
 * {@code mariadb-backup} would copy faster, but it is not installed with the server on every system and
 * a sandbox holds little data. Not thread-safe: {@link MariaDbSandbox} calls it under its own lock.
 */
final class MariaDbRejoiner {

    private static final Logger log = LoggerFactory.getLogger(MariaDbRejoiner.class);

    private static final Duration DUMP_TIMEOUT = Duration.ofSeconds(180);
    private static final Set<String> SYSTEM_DATABASES = Set.of("mysql", "information_schema",
            "performance_schema", "sys");
    private static final Pattern DUMP_POSITION = Pattern.compile("gtid_slave_pos\\s*=\\s*'([^']*)'");
    private static final Pattern GTID_EVENT = Pattern.compile("GTID (\\d+-\\d+-\\d+)");
    private static final String DUMP_FILE = "reprovision.sql";
    private static final int NAMED_GTIDS = 20;

    private final MariaDbBinaries binaries;
    private final MariaDbServers servers;
    private final MariaDbProvisioner provisioner;
    private final Duration startTimeout;
    private final String adminPassword;
    private final String replicationUser;
    private final String replicationPassword;

    MariaDbRejoiner(MariaDbBinaries binaries, MariaDbServers servers, MariaDbProvisioner provisioner,
                    Duration startTimeout, String adminPassword, String replicationUser, String replicationPassword) {
        this.binaries = binaries;
        this.servers = servers;
        this.provisioner = provisioner;
        this.startTimeout = startTimeout;
        this.adminPassword = adminPassword;
        this.replicationUser = replicationUser;
        this.replicationPassword = replicationPassword;
    }

    /** Makes {@code instance} a replica of {@code newPrimary}; see the class comment. */
    Rejoined rejoin(Instance instance, Instance newPrimary) {
        log.info("rejoining {} as a replica of {}", instance.name(), newPrimary.name());
        try {
            GtidPosition history;
            boolean semiSync;
            try (Connection primary = connect(newPrimary)) {
                if (!MariaDbSql.isWritable(primary)) {
                    throw new SandboxException(newPrimary.name() + " is read-only; " + instance.name()
                            + " can only rejoin a primary");
                }
                history = GtidPosition.parse(MariaDbSql.queryString(primary, "SELECT @@gtid_binlog_state"));
                semiSync = "1".equals(MariaDbSql.queryString(primary, "SELECT @@rpl_semi_sync_master_enabled"));
            }
            MariaDbConfigFile.setReadOnly(newPrimary, false);
            MariaDbConfigFile.setReadOnly(instance, true);
            servers.start(instance);
            List<String> discarded;
            try (Connection c = connect(instance)) {
                // A former semi-sync primary keeps its primary side until restarted: as a replica its applier
                // would wait for acknowledgements of what it applies.
                MariaDbSql.execute(c, "SET GLOBAL read_only = ON", "STOP SLAVE",
                        "SET GLOBAL rpl_semi_sync_master_enabled = OFF");
                GtidPosition own = GtidPosition.parse(MariaDbSql.queryString(c, "SELECT @@gtid_binlog_state"));
                List<GtidPosition.Gtid> beyond = own.beyond(history);
                if (beyond.isEmpty()) {
                    log.info("{}'s history ({}) is part of {}'s ({}); following it", instance.name(), own,
                            newPrimary.name(), history);
                    MariaDbSql.execute(c, "SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos");
                    semiSyncReplica(c, semiSync);
                    MariaDbSql.follow(c, newPrimary.port(), replicationUser, replicationPassword);
                    discarded = List.of();
                } else {
                    discarded = localOnlyTransactions(c, history);
                    log.warn("{} logged {} transaction(s) {} never got (state {} vs {}); discarding them by "
                                    + "re-provisioning it from {}: {}{}", instance.name(), discarded.size(),
                            newPrimary.name(), own, history, newPrimary.name(),
                            discarded.subList(0, Math.min(NAMED_GTIDS, discarded.size())),
                            discarded.size() > NAMED_GTIDS ? " …" : "");
                }
            }
            if (!discarded.isEmpty()) {
                reprovision(instance, newPrimary, semiSync);
            }
            awaitReplicating(instance, newPrimary);
            log.info("{} replicates from {}", instance.name(), newPrimary.name());
            return new Rejoined(!discarded.isEmpty(), discarded);
        } catch (SQLException e) {
            throw new SandboxException("cannot rejoin " + instance.name() + " to " + newPrimary.name() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The GTIDs in the instance's binary logs that {@code history} lacks, oldest first. */
    private static List<String> localOnlyTransactions(Connection c, GtidPosition history) throws SQLException {
        List<String> found = new ArrayList<>();
        for (String file : MariaDbSql.queryColumn(c, "SHOW BINARY LOGS", 1)) {
            for (String info : MariaDbSql.queryColumn(c, "SHOW BINLOG EVENTS IN " + MariaDbSql.literal(file), 6)) {
                Matcher m = GTID_EVENT.matcher(info == null ? "" : info);
                if (m.find()) {
                    GtidPosition.Gtid gtid = GtidPosition.parse(m.group(1)).gtids().get(0);
                    if (history.lacks(gtid)) {
                        found.add(gtid.toString());
                    }
                }
            }
        }
        return found;
    }

    /** Replaces the instance's data with a fresh server holding a dump of {@code newPrimary}. */
    private void reprovision(Instance instance, Instance newPrimary, boolean semiSync) throws SQLException {
        servers.stop(instance);
        deleteTree(instance.dataDir());
        provisioner.install(instance, MariaDbSql.bootstrapAccounts(adminPassword, replicationPassword));
        servers.start(instance);
        Path dump = instance.directory().resolve(DUMP_FILE);
        try {
            String position = dump(newPrimary, dump);
            restore(instance, dump);
            try (Connection c = connect(instance)) {
                MariaDbSql.execute(c, "FLUSH PRIVILEGES",
                        "SET GLOBAL gtid_slave_pos = " + MariaDbSql.literal(position));
                semiSyncReplica(c, semiSync);
                MariaDbSql.follow(c, newPrimary.port(), replicationUser, replicationPassword);
            }
            log.info("re-provisioned {} from a dump of {} at {}", instance.name(), newPrimary.name(), position);
        } finally {
            try {
                Files.deleteIfExists(dump);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", dump, e.getMessage());
            }
        }
    }

    /** Dumps the new primary's application databases and accounts; returns the GTID position of the dump. */
    private String dump(Instance newPrimary, Path file) throws SQLException {
        List<String> databases;
        try (Connection c = connect(newPrimary)) {
            databases = MariaDbSql.queryColumn(c, "SHOW DATABASES", 1).stream()
                    .filter(db -> !SYSTEM_DATABASES.contains(db)).toList();
        }
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new SandboxException("cannot create " + file + ": " + e.getMessage(), e);
        }
        List<String> command = new ArrayList<>(List.of(binaries.dump().toString(), "--no-defaults",
                "--protocol=TCP", "-h", newPrimary.host(), "-P", Integer.toString(newPrimary.port()),
                "-u", MariaDbSandboxOptions.ADMIN_USER,
                // One consistent snapshot, and its GTID position as a comment.
                "--single-transaction", "--master-data=2", "--gtid",
                "--routines", "--events", "--triggers",
                // Accounts as CREATE USER … IF NOT EXISTS: the fresh server already has the admin and
                // replication accounts, with the same passwords.
                "--system=users", "--insert-ignore",
                "--result-file=" + file));
        if (!databases.isEmpty()) {
            command.add("--databases");
            command.addAll(databases);
        }
        ProcessRunner.runChecked(command, Map.of("MYSQL_PWD", adminPassword), null, DUMP_TIMEOUT);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Matcher m = DUMP_POSITION.matcher(text);
        if (!m.find()) {
            throw new SandboxException("the dump of " + newPrimary.name() + " in " + file
                    + " names no gtid_slave_pos");
        }
        return m.group(1);
    }

    /** Loads the dump without binary-logging it: the rows are the new primary's transactions, not new ones. */
    private void restore(Instance instance, Path file) {
        ProcessRunner.runChecked(List.of(binaries.client().toString(), "--no-defaults", "--protocol=TCP",
                        "-h", instance.host(), "-P", Integer.toString(instance.port()),
                        "-u", MariaDbSandboxOptions.ADMIN_USER, "--batch",
                        "--init-command=SET SESSION sql_log_bin=0", "-e", "source " + file),
                Map.of("MYSQL_PWD", adminPassword), null, DUMP_TIMEOUT);
    }

    private void awaitReplicating(Instance instance, Instance newPrimary) throws SQLException {
        String position;
        try (Connection primary = connect(newPrimary)) {
            position = MariaDbSql.binlogPosition(primary);
        }
        try (Connection c = connect(instance)) {
            if (!MariaDbSql.awaitApplied(c, position, startTimeout)) {
                throw new SandboxException(instance.name() + " did not apply " + newPrimary.name()
                        + "'s position " + position + " within " + startTimeout + ": "
                        + MariaDbSql.replicationState(c) + MariaDbServers.errorLogTail(instance));
            }
            // Having applied the position, the receiving thread may still be (re)connecting
            // ("Preparing", "Connecting") for a moment: wait for it, bounded.
            String expected = "Yes/Yes port " + newPrimary.port();
            long deadline = System.nanoTime() + startTimeout.toNanos();
            String state = MariaDbSql.replicationState(c);
            while (!state.equals(expected) && !state.startsWith(expected + ";")) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new SandboxException(instance.name() + " does not replicate from " + newPrimary.name()
                            + " within " + startTimeout + ": " + state);
                }
                sleep(50);
                state = MariaDbSql.replicationState(c);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while waiting for replication to start", e);
        }
    }

    /** Acknowledges as a semi-sync replica when the new primary waits for acknowledgements. */
    private static void semiSyncReplica(Connection c, boolean primaryUsesIt) throws SQLException {
        if (primaryUsesIt) {
            MariaDbSql.execute(c, "SET GLOBAL rpl_semi_sync_slave_enabled = ON");
        }
    }

    private Connection connect(Instance instance) throws SQLException {
        return MariaDbSql.connect(instance.port(), MariaDbSandboxOptions.ADMIN_USER, adminPassword);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
