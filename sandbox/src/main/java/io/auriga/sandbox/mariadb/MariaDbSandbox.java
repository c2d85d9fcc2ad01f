package io.auriga.sandbox.mariadb;

import io.auriga.sandbox.SandboxDirectory;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.SandboxInstance;
import io.auriga.sandbox.SandboxInstances;
import io.auriga.sandbox.SandboxState;
import io.auriga.sandbox.SandboxTls;
import io.auriga.sandbox.ServerUser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real local MariaDB cluster for integration tests and {@code auriga demo --engine mysql}: a
 * primary ({@code my1}) and N replicas ({@code my2}, {@code my3}, …) replicating by GTID, each a
 * {@code mariadbd} listening on {@code 127.0.0.1} only, with everything it owns in {@code DIR/myN}
 * ({@code my.cnf}, {@code data/}, {@code error.log}, {@code mariadbd.pid}) and its socket in
 * {@code DIR/run-mariadb}. A PostgreSQL sandbox can share the directory ({@code pg1}, {@code pg2}, …).
 *
 * <pre>{@code
 * try (MariaDbSandbox my = new MariaDbSandbox(MariaDbSandboxOptions.in(dir)).start()) {
 *     String url = my.jdbcUrl(my.primary(), my.database());   // user auriga, password auriga
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Users.</b> {@value MariaDbSandboxOptions#ADMIN_USER} holds every privilege (it reads
 * {@code mysql.global_priv}, changes {@code read_only}, stops and points replication); its password is
 * {@code DIR/admin.password} (mode 0600) unless given. {@value MariaDbSandboxOptions#REPLICATION_USER}
 * has a random password kept in {@code DIR/replication.password} (mode 0600), so that a former primary
 * can be made a replica later ({@link #rejoin}); a directory provisioned before that file existed uses the
 * admin account for it instead. Both are created on every
 * instance by {@code mariadb-install-db} and are in no binary log. The application user (default
 * {@code auriga}/{@code auriga}, {@code mysql_native_password}) and its database are created on the
 * primary and reach the replicas by replication. Every account is {@code 'name'@'%'}.
 *
 * <p><b>Replication.</b> Every instance writes a binary log with {@code log_slave_updates},
 * {@code gtid_strict_mode} and row format, so any replica can be promoted. Replicas follow the primary
 * with {@code MASTER_USE_GTID=slave_pos} and run with {@code read_only=ON}; {@link #start()} returns once
 * each has applied everything the primary logged.
 *
 * <p><b>Failover.</b> Promotion, repointing and fencing are the engine's
 * ({@code io.auriga.mysql.engine.MariaDbClusterOperations}); {@link #rejoin} turns a former primary into a
 * replica of the new one, re-provisioning it when it holds transactions the new primary never got.
 *
 * <p><b>Re-running in the same directory.</b> A directory where a provisioning finished
 * ({@code DIR/mariadb-sandbox.properties}) is started again as it is, on its recorded ports; a server left
 * running by a killed process is adopted. A directory where provisioning did not finish is refused.
 *
 * <p><b>Running as root.</b> {@code mariadbd} refuses root, so it then runs as the {@code mysql}
 * system user ({@code user=} in {@code my.cnf}, {@code runuser} for {@code mariadb-install-db}) and the
 * directory is handed to that user; its ancestors must be traversable by it.
 *
 * <p><b>Lifetime.</b> {@link #close()} stops every server this sandbox started or adopted
 * ({@code SIGTERM}, then {@code SIGKILL} to what is left) and is idempotent; a JVM shutdown hook,
 * registered by {@link #start()} and removed by {@link #close()}, does the same when the JVM is
 * terminated. All methods are thread-safe.
 */
public final class MariaDbSandbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MariaDbSandbox.class);

    /** The only address sandbox servers listen on. */
    public static final String HOST = "127.0.0.1";

    /** Instance names are this prefix and a number: {@code my1}, {@code my2}, …. */
    static final String INSTANCE_PREFIX = "my";

    private static final int REPLICATION_PASSWORD_BYTES = 18;

    /**
     * The record of a finished provisioning, apart from a PostgreSQL sandbox's {@code sandbox.properties}:
     * {@code auriga demo --engine both} keeps both clusters in one directory.
     */
    static final String STATE_FILE = "mariadb-sandbox.properties";

    /** The socket directory, apart from PostgreSQL's {@code run}, which belongs to another server account. */
    static final String SOCKET_DIR = "run-mariadb";

    /**
     * One server of the sandbox.
     *
     * @param name      {@code my1}, {@code my2}, …; {@code my1} was provisioned as the primary
     * @param host      always {@value MariaDbSandbox#HOST}
     * @param port      its TCP port
     * @param directory everything of the instance, {@code DIR/<name>}
     */
    public record Instance(String name, String host, int port, Path directory) implements SandboxInstance {

        /** The data directory, {@code DIR/<name>/data}. */
        public Path dataDir() {
            return directory.resolve("data");
        }

        /** The server's error log. */
        public Path errorLog() {
            return directory.resolve("error.log");
        }

        /** The option file the server reads and nothing else ({@code --defaults-file}). */
        public Path configFile() {
            return directory.resolve("my.cnf");
        }

        /** The server's temporary directory ({@code tmpdir}), its own rather than the shared {@code /tmp}. */
        public Path tmpDir() {
            return directory.resolve("tmp");
        }

        /** The server's certificate ({@code ssl-cert}), issued by the sandbox's authority. */
        public Path tlsCert() {
            return directory.resolve("server.crt");
        }

        /** The server's private key ({@code ssl-key}). */
        public Path tlsKey() {
            return directory.resolve("server.key");
        }

        /** The file holding the server's pid while it runs. */
        public Path pidFile() {
            return directory.resolve("mariadbd.pid");
        }
    }

    /**
     * How {@link #rejoin} made an instance a replica.
     *
     * @param reprovisioned  whether its data was replaced by a copy of the new primary's
     * @param discardedGtids the transactions only it had logged, which are gone now (oldest first);
     *                       empty when its history was part of the new primary's
     */
    public record Rejoined(boolean reprovisioned, List<String> discardedGtids) {
        public Rejoined {
            discardedGtids = List.copyOf(discardedGtids);
        }
    }

    /** The replication account's password, readable by the user who ran the sandbox only. */
    static final String REPLICATION_PASSWORD_FILE = "replication.password";

    private final MariaDbSandboxOptions options;
    private final ServerUser serverUser = ServerUser.detect(ServerUser.MYSQL);
    private SandboxDirectory directory;
    private MariaDbBinaries binaries;
    private MariaDbServers servers;
    private String adminPassword;
    private String replicationPassword;
    private final SandboxInstances<Instance> instances = new SandboxInstances<>("auriga-mariadb-sandbox-shutdown");

    /** A sandbox that does nothing until {@link #start()}. */
    public MariaDbSandbox(MariaDbSandboxOptions options) {
        this.options = options;
    }

    /**
     * Provisions the cluster (or reuses the one in the directory) and starts every instance; for a new
     * cluster, returns once every replica has applied what the primary logged. On failure, stops what
     * it started and throws.
     *
     * @return this sandbox
     * @throws SandboxException      when no MariaDB server binaries are found or a step fails
     * @throws IllegalStateException when called twice or after {@link #close()}
     */
    public synchronized MariaDbSandbox start() {
        instances.start(this::close);
        binaries = MariaDbBinaries.find().orElseThrow(() -> new SandboxException(
                "no MariaDB server binaries found (mariadbd, mariadb-install-db and mariadb in PATH or /usr/sbin)"));
        directory = new SandboxDirectory(options.directory(), serverUser);
        directory.prepare(SOCKET_DIR);
        servers = new MariaDbServers(binaries, options.startTimeout());
        instances.control(servers);
        try {
            Optional<SandboxState> state = SandboxState.read(options.directory(), STATE_FILE);
            adminPassword = directory.adminPassword(options.adminPassword(), state.isPresent());
            servers.adminPassword(adminPassword);
            replicationPassword = replicationPassword(state.isPresent());
            if (state.isPresent()) {
                reuse(state.get());
            } else {
                provision();
            }
        } catch (RuntimeException e) {
            instances.stopAll();
            throw e;
        }
        log.info("MariaDB {} sandbox ready in {}: {}", binaries.majorVersion(), options.directory(), instances.describe());
        return this;
    }

    /** Every instance, {@code my1} first. */
    public synchronized List<Instance> instances() {
        return instances.list();
    }

    /** The instance provisioned as primary, {@code my1}: a name, not a role; see {@link #currentPrimary()}. */
    public synchronized Instance primary() {
        return instances().get(0);
    }

    /**
     * Makes sure account {@code user} exists, with {@code password} and the application user's
     * privileges on the database: created on the current primary, which replicates it.
     */
    public synchronized void ensureApplicationPeer(String user, String password) {
        Instance now = currentPrimary().orElseThrow(() -> new SandboxException("no primary runs to create " + user
                + " on"));
        try (Connection c = MariaDbSql.connect(now.port(), adminUser(), adminPassword)) {
            MariaDbSql.ensureUser(c, user, password, database());
        } catch (java.sql.SQLException e) {
            throw new SandboxException("cannot create account " + user + " on " + now.name() + ": " + e.getMessage(),
                    e);
        }
    }

    /** The instances provisioned as replicas ({@code my2}, …), whatever their role now. */
    public synchronized List<Instance> replicas() {
        return instances().subList(1, instances().size());
    }

    /** The instance called {@code name}. */
    public synchronized Instance instance(String name) {
        return instances.byName(name);
    }

    /**
     * The instance that takes writes now, as the servers themselves say: the one running instance
     * with {@code read_only} off. Empty when none does or it does not answer. Paused instances are not asked.
     *
     * @throws SandboxException when two instances both take writes (split brain)
     */
    public synchronized Optional<Instance> currentPrimary() {
        requireOpen();
        return writableInstance();
    }

    private Optional<Instance> writableInstance() {
        return instances.writable(instance -> {
            try (Connection c = MariaDbSql.connect(instance.port(), adminUser(), adminPassword)) {
                return MariaDbSql.isWritable(c);
            }
        });
    }

    /** The administrative user, {@value MariaDbSandboxOptions#ADMIN_USER}. */
    public String adminUser() {
        return MariaDbSandboxOptions.ADMIN_USER;
    }

    /** The administrative user's password. */
    public synchronized String adminPassword() {
        requireStarted();
        return adminPassword;
    }

    /** The account replicas log in to their primary with: {@value MariaDbSandboxOptions#REPLICATION_USER}. */
    public synchronized String replicationUser() {
        requireStarted();
        return replicationPassword == null ? adminUser() : MariaDbSandboxOptions.REPLICATION_USER;
    }

    /** The password of {@link #replicationUser()}. */
    public synchronized String replicationPassword() {
        requireStarted();
        return replicationPassword == null ? adminPassword : replicationPassword;
    }

    /** The application user. */
    public String user() {
        return options.user();
    }

    /** The application user's password. */
    public String password() {
        return options.password();
    }

    /** The application database. */
    public String database() {
        return options.database();
    }

    /** The sandbox directory. */
    public Path directory() {
        return options.directory();
    }

    /** Whether every server accepts TLS (a sandbox provisioned before its servers did keeps running without). */
    public synchronized boolean serversHaveTls() {
        return instances().stream().allMatch(i -> Files.exists(i.tlsCert()));
    }

    /** The authority whose certificate every server of the sandbox presents to TLS clients ({@code DIR/tls/ca.crt}). */
    public Path caCert() {
        return SandboxTls.caCert(options.directory());
    }

    /** The server binaries in use. */
    public synchronized MariaDbBinaries binaries() {
        requireStarted();
        return binaries;
    }

    /** {@code jdbc:mariadb://127.0.0.1:<port>/<database>} for {@code instance}. */
    public String jdbcUrl(Instance instance, String database) {
        return MariaDbSql.jdbcUrl(instance.port(), database);
    }

    /** Whether a server runs from {@code name}'s pid file (whoever started it). */
    public synchronized boolean isRunning(String name) {
        return servers != null && servers.isRunning(instance(name));
    }

    /** Stops {@code name} cleanly ({@code SIGTERM}) and returns once it has exited. */
    public synchronized void stop(String name) {
        instances.stop(name);
    }

    /** Crashes {@code name} with {@code SIGKILL}. */
    public synchronized void kill(String name) {
        instances.kill(name);
    }

    /** Starts {@code name} again after {@link #stop} or {@link #kill}; adopts it when it already runs. */
    public synchronized void startInstance(String name) {
        instances.start(name);
    }

    /** Freezes {@code name} ({@code SIGSTOP}) until {@link #resume}. */
    public synchronized void pause(String name) {
        instances.pause(name);
    }

    /** Undoes {@link #pause}. */
    public synchronized void resume(String name) {
        instances.resume(name);
    }

    /**
     * Makes {@code name} (typically a former primary after a failover, crashed, stopped or fenced) a
     * read-only replica of {@code newPrimaryName} and returns once it has applied everything the new
     * primary had logged when it was checked. It is started read-only if down ({@code read-only=ON} in its
     * {@code my.cnf} from now on). When its binary-log state is covered by the new primary's it simply
     * follows from its own position; when it logged transactions the new primary never got, those are
     * logged by GTID and discarded: its data is re-created from a dump of the new primary.
     *
     * @throws SandboxException         when {@code newPrimaryName} does not take writes or a step fails (the
     *                                  message names the step; the instance is left as the step left it)
     * @throws IllegalArgumentException when the names are equal or unknown
     */
    public synchronized Rejoined rejoin(String name, String newPrimaryName) {
        requireOpen();
        Instance instance = instance(name);
        Instance newPrimary = instance(newPrimaryName);
        if (instance.equals(newPrimary)) {
            throw new IllegalArgumentException(name + " cannot rejoin itself");
        }
        MariaDbProvisioner provisioner = new MariaDbProvisioner(options, binaries, serverUser, servers);
        return new MariaDbRejoiner(binaries, servers, provisioner, options.startTimeout(), adminPassword,
                replicationUser(), replicationPassword()).rejoin(instance, newPrimary);
    }

    /**
     * Records in every instance's {@code my.cnf} that {@code name} is the primary: it starts with
     * {@code read-only=OFF} from now on, every other instance with {@code read-only=ON}. The servers
     * themselves are not changed. A promotion ({@code MariaDbClusterOperations.promote}) only changes the
     * running server; without this, a restart would bring the promoted primary back read-only and the
     * former one back writable. {@link #rejoin} and {@link #close()} record the primary they see;
     * {@code auriga demo} also records each primary change Auriga publishes.
     *
     * @throws IllegalArgumentException when there is no such instance
     */
    public synchronized void recordPrimary(String name) {
        requireStarted();
        writeRoles(instance(name));
    }

    private void writeRoles(Instance primary) {
        for (Instance instance : instances.all()) {
            MariaDbConfigFile.setReadOnly(instance, !instance.equals(primary));
        }
    }

    /**
     * Stops every server this sandbox started or adopted, removes the shutdown hook and, with
     * {@link MariaDbSandboxOptions#deleteOnClose()}, deletes the directory. Idempotent; never throws.
     */
    @Override
    public synchronized void close() {
        instances.close(this::recordCurrentPrimary, options.deleteOnClose(), directory);
    }

    /** Before stopping: the next start brings back the roles the servers have now (see {@link #recordPrimary}). */
    private void recordCurrentPrimary() {
        try {
            writableInstance().ifPresent(this::writeRoles);
        } catch (RuntimeException e) {
            log.warn("cannot record the current primary in the option files: {}", e.getMessage());
        }
    }

    private void provision() {
        List<Instance> planned = instances.plan(directory, INSTANCE_PREFIX, options.replicas() + 1,
                options.basePort(), this::newInstance);
        new MariaDbProvisioner(options, binaries, serverUser, servers).provision(planned, adminPassword,
                replicationPassword);
        instances.state(binaries.majorVersion()).write(options.directory(), STATE_FILE);
    }

    private void reuse(SandboxState state) {
        if (!state.majorVersion().equals(binaries.majorVersion())) {
            throw new SandboxException(options.directory() + " holds a MariaDB " + state.majorVersion()
                    + " cluster but " + binaries.server() + " is version " + binaries.majorVersion()
                    + "; delete the directory or use matching binaries");
        }
        List<Instance> found = instances.adopt(state, this::newInstance);
        log.info("reusing the existing cluster in {}", options.directory());
        for (Instance instance : found) {
            directory.prepareExistingDataDir(instance.dataDir(), "mysql");
            serverUser.takeOwnership(instance.directory(), false);
            servers.start(instance);
        }
    }

    private Instance newInstance(String name, int port) {
        return new Instance(name, HOST, port, options.directory().resolve(name));
    }

    /**
     * The replication password from {@value #REPLICATION_PASSWORD_FILE}; for a new cluster a random one
     * written there first. Null for an existing cluster provisioned without the file.
     */
    private String replicationPassword(boolean existingCluster) {
        Path file = options.directory().resolve(REPLICATION_PASSWORD_FILE);
        try {
            if (Files.isRegularFile(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            }
            if (existingCluster) {
                log.info("{} is missing; the admin account will stand in for replication", file);
                return null;
            }
            byte[] bytes = new byte[REPLICATION_PASSWORD_BYTES];
            new SecureRandom().nextBytes(bytes);
            String password = HexFormat.of().formatHex(bytes);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
            return password;
        } catch (IOException e) {
            throw new SandboxException("cannot read or write " + file + ": " + e.getMessage(), e);
        }
    }

    private void requireStarted() {
        instances.requireStarted();
    }

    private void requireOpen() {
        instances.requireOpen();
    }
}
