package io.auriga.sandbox.pg;

import io.auriga.sandbox.SandboxDirectory;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.SandboxInstance;
import io.auriga.sandbox.SandboxInstances;
import io.auriga.sandbox.SandboxState;
import io.auriga.sandbox.SandboxTls;
import io.auriga.sandbox.ServerUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real local PostgreSQL cluster for integration tests and {@code auriga demo}: a primary
 * ({@code pg1}) and N streaming replicas ({@code pg2}, {@code pg3}, …), each a server listening on
 * {@code 127.0.0.1} only, with its data in {@code DIR/pgN}.
 *
 * <pre>{@code
 * try (PgSandbox pg = new PgSandbox(PgSandboxOptions.builder(dir).replicas(2).build()).start()) {
 *     String url = pg.jdbcUrl(pg.primary(), pg.database());   // user auriga, password auriga
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Users.</b> {@code auriga_admin} is the bootstrap superuser (with {@code REPLICATION}); its
 * password is {@code DIR/admin.password} (mode 0600) unless given. The application user (default
 * {@code auriga}/{@code auriga}) owns the application database ({@code auriga}). Passwords are stored
 * as SCRAM-SHA-256 verifiers; TCP logins need SCRAM, the instance's own Unix socket trusts local users.
 *
 * <p><b>Re-running in the same directory.</b> A directory holding a cluster this class finished
 * provisioning ({@code DIR/sandbox.properties} exists) is reused as it is: its instances are started
 * on their recorded ports (the options' replica count and base port are then ignored), and a server
 * left running by an earlier, killed process is adopted; a stale {@code postmaster.pid} is handled by
 * {@code pg_ctl}. Whichever instance was primary when the cluster last ran is primary again (roles live
 * in the data directories, not in {@code sandbox.properties}); the sandbox does not re-check
 * replication when reusing. A directory where provisioning did not finish is refused: delete it.
 *
 * <p><b>Roles after a failover.</b> {@link #primary()} and {@link #replicas()} name the instances as
 * provisioned ({@code pg1} first); {@link #currentPrimary()} asks the servers which one takes writes
 * now. {@link #rejoin} turns a former primary into a standby of the new one.
 *
 * <p><b>Running as root.</b> PostgreSQL refuses root, so the servers and tools then run as the
 * {@code postgres} system user and the directory is handed to it; its ancestors must be traversable
 * by that user.
 *
 * <p><b>Lifetime.</b> {@link #close()} stops every server this sandbox started or adopted (immediate
 * shutdown, then {@code SIGKILL} to leftovers) and is idempotent; a JVM shutdown hook, registered by
 * {@link #start()} and removed by {@link #close()}, does the same when the JVM is terminated.
 * All methods are thread-safe.
 */
public final class PgSandbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgSandbox.class);

    /** Instance names are this prefix and a number: {@code pg1}, {@code pg2}, …. */
    static final String INSTANCE_PREFIX = "pg";

    /** The only address sandbox servers listen on. */
    public static final String HOST = "127.0.0.1";

    /**
     * One server of the sandbox.
     *
     * @param name    {@code pg1}, {@code pg2}, …; {@code pg1} was provisioned as the primary
     * @param host    always {@value PgSandbox#HOST}
     * @param port    its TCP port
     * @param dataDir its data directory, {@code DIR/<name>}
     */
    public record Instance(String name, String host, int port, Path dataDir) implements SandboxInstance {

        /** The server's log file. */
        public Path logFile() {
            return dataDir.resolve(PgConfigFiles.LOG_FILE);
        }
    }

    private final PgSandboxOptions options;
    private final ServerUser serverUser = ServerUser.detect(ServerUser.POSTGRES);
    private SandboxDirectory directory;
    private PgBinaries binaries;
    private PgCommands commands;
    private InstanceControl control;
    private String adminPassword;
    private final SandboxInstances<Instance> instances = new SandboxInstances<>("auriga-pg-sandbox-shutdown");

    /** A sandbox that does nothing until {@link #start()}. */
    public PgSandbox(PgSandboxOptions options) {
        this.options = options;
    }

    /**
     * Provisions the cluster (or reuses the one already in the directory) and starts every instance;
     * for a new cluster, returns once every replica streams from the primary. On failure, stops what
     * it started and throws.
     *
     * @return this sandbox
     * @throws SandboxException      when no server binaries are found or a step fails
     * @throws IllegalStateException when called twice or after {@link #close()}
     */
    public synchronized PgSandbox start() {
        instances.start(this::close);
        binaries = options.binaries().or(PgBinaries::find).orElseThrow(() -> new SandboxException(
                "no PostgreSQL server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin)"));
        directory = new SandboxDirectory(options.directory(), serverUser);
        directory.prepare();
        commands = new PgCommands(binaries, serverUser, options.directory());
        control = new InstanceControl(commands, options.startTimeout());
        instances.control(control);
        try {
            Optional<SandboxState> state = SandboxState.read(options.directory());
            adminPassword = directory.adminPassword(options.adminPassword(), state.isPresent());
            if (state.isPresent()) {
                reuse(state.get());
            } else {
                provision();
            }
        } catch (RuntimeException e) {
            instances.stopAll();
            throw e;
        }
        log.info("PostgreSQL {} sandbox ready in {}: {}", binaries.majorVersion(), options.directory(), instances.describe());
        return this;
    }

    /** Every instance, {@code pg1} first. */
    public synchronized List<Instance> instances() {
        return instances.list();
    }

    /**
     * The instance provisioned as primary, {@code pg1}, always: a name, not a role. After a failover
     * (and a {@link #rejoin}) it may be a standby; {@link #currentPrimary()} asks the servers instead.
     */
    public synchronized Instance primary() {
        return instances().get(0);
    }

    /**
     * Makes sure login role {@code user} exists, with {@code password}, and acts with the application
     * user's privileges (a member of it): created on the current primary, which replicates it.
     */
    public synchronized void ensureApplicationPeer(String user, String password) {
        Instance now = currentPrimary().orElseThrow(() -> new SandboxException("no primary runs to create " + user
                + " on"));
        try (Connection c = SandboxSql.connect(now.port(), "postgres", adminUser(), adminPassword)) {
            SandboxSql.ensureMember(c, user, password, user());
        } catch (java.sql.SQLException e) {
            throw new SandboxException("cannot create role " + user + " on " + now.name() + ": " + e.getMessage(), e);
        }
    }

    /** The instances provisioned as replicas ({@code pg2}, …), whatever their role now; see {@link #primary()}. */
    public synchronized List<Instance> replicas() {
        return instances().subList(1, instances().size());
    }

    /**
     * The instance that is primary now, as the servers themselves say: the one running instance
     * that is out of recovery and not fenced ({@code default_transaction_read_only} off). Empty when
     * there is none (no primary runs, or it does not answer). Paused instances are not asked.
     *
     * @throws SandboxException when two instances both take writes (split brain)
     */
    public synchronized Optional<Instance> currentPrimary() {
        requireOpen();
        return instances.writable(instance -> {
            try (Connection c = SandboxSql.connect(instance.port(), "postgres", adminUser(), adminPassword)) {
                return SandboxSql.isWritablePrimary(c);
            }
        });
    }

    /** The instance called {@code name}. */
    public synchronized Instance instance(String name) {
        return instances.byName(name);
    }

    /** The superuser's name, {@value PgSandboxOptions#ADMIN_USER}. */
    public String adminUser() {
        return PgSandboxOptions.ADMIN_USER;
    }

    /** The superuser's password. */
    public synchronized String adminPassword() {
        requireStarted();
        return adminPassword;
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
        return instances().stream().allMatch(i -> Files.exists(i.dataDir().resolve("server.crt")));
    }

    /** The authority whose certificate every server of the sandbox presents to TLS clients ({@code DIR/tls/ca.crt}). */
    public Path caCert() {
        return SandboxTls.caCert(options.directory());
    }

    /** The server binaries in use. */
    public synchronized PgBinaries binaries() {
        requireStarted();
        return binaries;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>} for {@code instance}. */
    public String jdbcUrl(Instance instance, String database) {
        return SandboxSql.jdbcUrl(instance.port(), database);
    }

    /** Whether a server runs on {@code name}'s data directory (whoever started it). */
    public synchronized boolean isRunning(String name) {
        return Postmaster.of(instance(name).dataDir()).isPresent();
    }

    /** Stops {@code name} cleanly ({@code pg_ctl stop -m fast}). */
    public synchronized void stop(String name) {
        instances.stop(name);
    }

    /** Crashes {@code name}: {@code SIGKILL} to its postmaster and every child. */
    public synchronized void kill(String name) {
        instances.kill(name);
    }

    /** Starts {@code name} again after {@link #stop} or {@link #kill}; adopts it when it already runs. */
    public synchronized void startInstance(String name) {
        instances.start(name);
    }

    /**
     * Makes {@code name}, typically a former primary after a failover, a standby streaming from
     * {@code newPrimaryName}, and returns once the new primary's {@code pg_stat_replication} shows it
     * streaming. Works whether {@code name} crashed, was stopped cleanly, or runs (e.g. fenced
     * read-only): it is stopped, brought to a clean shutdown (crash recovery in single-user mode if it
     * crashed), rewound with {@code pg_rewind} to the new primary's history ("no rewind required" is
     * fine), configured as a standby through replication slot {@code name} on the new primary (created
     * if missing) with the fence setting {@code default_transaction_read_only} removed, and started.
     * Writes it took that the new primary never saw are discarded. The roles survive a restart of
     * the sandbox in the same directory: they live in the data directories.
     *
     * @throws SandboxException         when {@code newPrimaryName} is not a running primary or a step fails
     *                                  (the message names the step; the instance is then left stopped or
     *                                  as the step left it)
     * @throws IllegalArgumentException when the names are equal or unknown
     */
    public synchronized void rejoin(String name, String newPrimaryName) {
        requireOpen();
        Instance instance = instance(name);
        Instance newPrimary = instance(newPrimaryName);
        if (instance.equals(newPrimary)) {
            throw new IllegalArgumentException(name + " cannot rejoin itself");
        }
        new InstanceRejoiner(commands, control, new PgConfigFiles(serverUser), options.directory(),
                options.startTimeout(), adminPassword).rejoin(instance, newPrimary);
    }

    /** Freezes {@code name} ({@code SIGSTOP} to its processes, best-effort) until {@link #resume}. */
    public synchronized void pause(String name) {
        instances.pause(name);
    }

    /** Undoes {@link #pause}. */
    public synchronized void resume(String name) {
        instances.resume(name);
    }

    /**
     * Stops every server this sandbox started or adopted, removes the shutdown hook and, with
     * {@link PgSandboxOptions#deleteOnClose()}, deletes the directory. Idempotent; never throws.
     */
    @Override
    public synchronized void close() {
        instances.close(() -> { }, options.deleteOnClose(), directory);
    }

    private void provision() {
        List<Instance> planned = instances.plan(directory, INSTANCE_PREFIX, options.replicas() + 1,
                options.basePort(), this::newInstance);
        new ClusterProvisioner(options, binaries, serverUser, commands, control).provision(planned, adminPassword);
    }

    private void reuse(SandboxState state) {
        if (!state.majorVersion().equals(Integer.toString(binaries.majorVersion()))) {
            throw new SandboxException(options.directory() + " holds a PostgreSQL " + state.majorVersion()
                    + " cluster but the binaries in " + binaries.binDir() + " are version " + binaries.majorVersion()
                    + "; delete the directory or use matching binaries");
        }
        List<Instance> found = instances.adopt(state, this::newInstance);
        if (found.size() != options.replicas() + 1) {
            log.warn("{} holds {} instances; reusing them as they are (asked for {} replicas)",
                    options.directory(), found.size(), options.replicas());
        }
        log.info("reusing the existing cluster in {}", options.directory());
        for (Instance instance : found) {
            directory.prepareExistingDataDir(instance.dataDir(), "PG_VERSION");
            control.start(instance);
        }
    }

    private Instance newInstance(String name, int port) {
        return new Instance(name, HOST, port, options.directory().resolve(name));
    }

    private void requireStarted() {
        instances.requireStarted();
    }

    private void requireOpen() {
        instances.requireOpen();
    }
}
