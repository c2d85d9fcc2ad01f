package io.auriga.sandbox.mariadb;

import io.auriga.core.tls.TlsFiles;
import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.SandboxTls;
import io.auriga.sandbox.ServerUser;
import io.auriga.sandbox.mariadb.MariaDbSandbox.Instance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a new cluster in an empty sandbox directory:
 * <pre>
 *   for each instance myN: mariadb-install-db (system tables + admin and replication accounts)
 *                          ─ my.cnf (server_id N, read_only on replicas) ─ start
 *   my1: application database and user (binary-logged, so they replicate)
 *   each replica: CHANGE MASTER TO … MASTER_USE_GTID=slave_pos; START SLAVE ─ MASTER_GTID_WAIT(primary's position)
 * </pre>
 * Every server it starts is registered with {@link MariaDbServers} at once, so a failure half-way
 * still leaves {@link MariaDbSandbox#close()} able to stop what runs.
 */
final class MariaDbProvisioner {

    private static final Logger log = LoggerFactory.getLogger(MariaDbProvisioner.class);

    private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(120);
    private static final String ACCOUNTS_FILE = "accounts.sql";

    private final MariaDbSandboxOptions options;
    private final MariaDbBinaries binaries;
    private final ServerUser serverUser;
    private final MariaDbServers servers;

    MariaDbProvisioner(MariaDbSandboxOptions options, MariaDbBinaries binaries, ServerUser serverUser,
                       MariaDbServers servers) {
        this.options = options;
        this.binaries = binaries;
        this.serverUser = serverUser;
        this.servers = servers;
    }

    /** Provisions {@code instances}, the first as primary, and returns once every replica caught up. */
    void provision(List<Instance> instances, String adminPassword, String replicationPassword) {
        String accounts = MariaDbSql.bootstrapAccounts(adminPassword, replicationPassword);
        TlsFiles tls = SandboxTls.ensure(options.directory());
        for (int i = 0; i < instances.size(); i++) {
            Instance instance = instances.get(i);
            install(instance, accounts);
            SandboxTls.install(tls, instance.tlsCert(), instance.tlsKey(), serverUser);
            MariaDbConfigFile.write(instance, i + 1, i > 0, serverUser.switchesUser() ? serverUser.name() : null,
                    options.directory().resolve(MariaDbSandbox.SOCKET_DIR).resolve(instance.name() + ".sock"));
            serverUser.takeOwnership(instance.directory(), true);
            servers.start(instance);
        }
        Instance primary = instances.get(0);
        try (Connection admin = MariaDbSql.connect(primary.port(), MariaDbSandboxOptions.ADMIN_USER, adminPassword)) {
            MariaDbSql.createApplicationUser(admin, options.user(), options.password(), options.database());
            List<Instance> replicas = instances.subList(1, instances.size());
            for (Instance replica : replicas) {
                try (Connection c = MariaDbSql.connect(replica.port(), MariaDbSandboxOptions.ADMIN_USER,
                        adminPassword)) {
                    MariaDbSql.follow(c, primary.port(), MariaDbSandboxOptions.REPLICATION_USER,
                            replicationPassword);
                }
            }
            String position = MariaDbSql.binlogPosition(admin);
            for (Instance replica : replicas) {
                awaitApplied(replica, adminPassword, position);
            }
        } catch (SQLException e) {
            throw new SandboxException("cannot set up replication from " + primary.name() + ": " + e.getMessage()
                    + MariaDbServers.errorLogTail(primary), e);
        }
    }

    private void awaitApplied(Instance replica, String adminPassword, String position) throws SQLException {
        try (Connection c = MariaDbSql.connect(replica.port(), MariaDbSandboxOptions.ADMIN_USER, adminPassword)) {
            if (!MariaDbSql.awaitApplied(c, position, options.startTimeout())) {
                throw new SandboxException(replica.name() + " did not apply the primary's GTID position " + position
                        + " within " + options.startTimeout() + MariaDbServers.errorLogTail(replica));
            }
        }
        log.info("{} replicates from the primary (at {})", replica.name(), position);
    }

    /** {@code mariadb-install-db} into {@code DIR/myN/data}, run as the server user, with the accounts. */
    void install(Instance instance, String accounts) {
        log.info("initialising {} in {}", instance.name(), instance.dataDir());
        Path sql = instance.directory().resolve(ACCOUNTS_FILE);
        try {
            Files.createDirectories(instance.directory());
            serverUser.takeOwnership(instance.directory(), false);
            Files.deleteIfExists(sql);
            Files.createFile(sql, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(sql, accounts, StandardCharsets.UTF_8);
            serverUser.takeOwnership(sql, false);
            Files.createDirectories(instance.tmpDir());
            serverUser.takeOwnership(instance.tmpDir(), false);
            List<String> command = new ArrayList<>(List.of(binaries.installDb().toString(),
                    "--no-defaults",
                    "--datadir=" + instance.dataDir(),
                    "--auth-root-authentication-method=socket",
                    "--skip-test-db",
                    "--innodb-log-file-size=16M",
                    // Its own temporary directory: bootstraps running side by side in /tmp removed each
                    // other's temporary tables there ("Unknown table 'mysql.tmp_proxies_priv'").
                    "--tmpdir=" + instance.tmpDir(),
                    "--extra-file=" + sql));
            ProcessRunner.runChecked(serverUser.wrap(command), Map.of(), instance.directory(), INSTALL_TIMEOUT);
        } catch (IOException e) {
            throw new SandboxException("cannot prepare " + instance.directory() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(sql);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", sql, e.getMessage());
            }
        }
    }
}
