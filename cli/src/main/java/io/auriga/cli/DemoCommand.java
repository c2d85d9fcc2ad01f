package io.auriga.cli;

import io.auriga.config.AdminConfig;
import io.auriga.config.AurigaConfig;
import io.auriga.config.BackendTlsConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.Durability;
import io.auriga.config.EndpointConfig.EndpointRole;
import io.auriga.config.FailoverConfig;
import io.auriga.config.IoTransport;
import io.auriga.config.Secret;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.config.TokenConfig;
import io.auriga.config.TokenKeys;
import io.auriga.config.UserConfig;
import io.auriga.core.failover.Rejoiner;
import io.auriga.core.net.EventLoops;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Topology;
import io.auriga.core.topology.TopologyChange;
import io.auriga.core.topology.TopologyHolder;
import io.auriga.sandbox.mariadb.MariaDbBinaries;
import io.auriga.sandbox.mariadb.MariaDbSandbox;
import io.auriga.sandbox.mariadb.MariaDbSandboxCluster;
import io.auriga.sandbox.mariadb.MariaDbSandboxOptions;
import io.auriga.sandbox.pg.PgBinaries;
import io.auriga.sandbox.pg.PgSandbox;
import io.auriga.sandbox.pg.PgSandboxOptions;
import io.auriga.sandbox.pg.SandboxCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code auriga demo}: provisions a local PostgreSQL cluster ({@code pg1}, {@code pg2}, …), a MariaDB
 * cluster ({@code my1}, {@code my2}, …) or both in one directory from the server binaries on this
 * machine, puts the endpoints in front of them with TLS (one proxy, one admin port), prints connection
 * commands, and stops everything it started on Ctrl-C or SIGTERM.
 *
 * <pre>
 *   check options and binaries ─ demo CA ─ PostgreSQL sandbox? ─ MariaDB sandbox?
 *   ─ one proxy for both clusters (each sandbox rejoins its fenced former primaries)
 *   ─ welcome text ─ wait for Ctrl-C / SIGTERM ─ stop the proxy, then the sandboxes
 * </pre>
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Provision a local cluster (1 primary + N replicas), run Auriga in front of it, and print "
                + "ready-to-paste connection commands. Ctrl-C stops everything.")
final class DemoCommand implements Callable<Integer> {
    static final String HOST = "127.0.0.1";
    /** The --transport words, as server.transport spells them. */
    private static final Map<String, IoTransport> TRANSPORTS = transports();
    static final String POSTGRES_CLUSTER = "postgres";
    static final String MYSQL_CLUSTER = "mysql";
    /** The demo's login-token user: the application user's privileges, its database password known to the proxy. */
    static final String TOKEN_USER = "auriga_token";
    /** The admin API's bearer token, under the demo directory. */
    static final String ADMIN_TOKEN_FILE = "admin.token";
    private static final String TOKEN_USER_PASSWORD = "auriga_token";
    /** How long the demo waits for its replicas to serve reads before printing its commands. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    @Option(names = "--engine", defaultValue = "postgres", paramLabel = "ENGINE",
            description = "postgres, mysql or both (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--replicas", defaultValue = "2", description = "Replicas per cluster (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--dir", defaultValue = "demo-data", paramLabel = "DIR",
            description = "Where instance data and TLS files live (default: ./${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--port-offset", defaultValue = "0", paramLabel = "N",
            description = "Added to every listener port (6432/6433 PostgreSQL, 6033/6034 MySQL, 6480 admin).")
    int portOffset;

    @Option(names = "--durability", defaultValue = "async", paramLabel = "MODE",
            description = "async or quorum: with quorum a commit is acknowledged once a replica has it too "
                    + "(default: ${DEFAULT-VALUE}).")
    String durability;

    @Option(names = "--transport", defaultValue = "auto", paramLabel = "IO",
            description = "The event loops' kernel interface: auto (io_uring where the kernel allows it, else "
                    + "epoll, else NIO), io-uring, epoll or nio (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--backend-tls", defaultValue = "verify-full", paramLabel = "MODE",
            description = "How the proxy reaches the demo's servers: verify-full (TLS, certificates checked against "
                    + "DIR/tls/ca.crt) or disable, for measuring the relay as peers without server TLS run "
                    + "(default: ${DEFAULT-VALUE}).")
    String backendTls;

    @Override
    public Integer call() throws Exception {
        boolean postgres = engine.equals("postgres") || engine.equals("both");
        boolean mysql = engine.equals("mysql") || engine.equals("both");
        if (!postgres && !mysql) {
            System.err.println("auriga demo: --engine must be postgres, mysql or both, not '" + engine + "'");
            return 2;
        }
        Durability mode = switch (durability) {
            case "async" -> Durability.ASYNC;
            case "quorum" -> Durability.QUORUM;
            default -> null;
        };
        if (mode == null) {
            System.err.println("auriga demo: --durability must be async or quorum, not '" + durability + "'");
            return 2;
        }
        IoTransport io = TRANSPORTS.get(transport);
        if (io == null) {
            System.err.println("auriga demo: --transport must be one of " + String.join(", ", TRANSPORTS.keySet())
                    + ", not '" + transport + "'");
            return 2;
        }
        try {
            EventLoops.resolve(io);
        } catch (IOException e) {
            System.err.println("auriga demo: " + e.getMessage());
            return 2;
        }
        if (!backendTls.equals("verify-full") && !backendTls.equals("disable")) {
            System.err.println("auriga demo: --backend-tls must be verify-full or disable, not '" + backendTls + "'");
            return 2;
        }
        if (mode == Durability.QUORUM && replicas < 1) {
            System.err.println("auriga demo: --durability quorum needs at least one replica");
            return 2;
        }
        if (replicas < 0 || replicas > 8) {
            System.err.println("auriga demo: --replicas must be between 0 and 8");
            return 2;
        }
        if (postgres && PgBinaries.find().isEmpty()) {
            System.err.println("auriga demo: no PostgreSQL server binaries found (looked for pg_config and "
                    + "/usr/lib/postgresql/*/bin). On Debian: apt-get install postgresql");
            return 2;
        }
        if (mysql && MariaDbBinaries.find().isEmpty()) {
            System.err.println("auriga demo: no MariaDB server binaries found (looked for mariadbd, "
                    + "mariadb-install-db and mariadb in PATH, /usr/sbin and /usr/bin). On Debian: "
                    + "apt-get install mariadb-server");
            return 2;
        }
        Path home = dir.toAbsolutePath().normalize();
        Files.createDirectories(home);
        TlsFiles tls = CertificateAuthority.ensure(home.resolve("tls"), List.of("localhost", HOST));
        // Closed in reverse order of opening: the proxy before the servers it fronts.
        try (Resources resources = new Resources()) {
            List<ClusterConfig> clusters = new ArrayList<>();
            Map<String, Rejoiner> rejoiners = new LinkedHashMap<>();
            PgSandbox pg = null;
            MariaDbSandbox my = null;
            if (postgres) {
                System.out.println("Provisioning PostgreSQL: 1 primary + " + replicasText() + " in " + home + " ...");
                pg = resources.add(new PgSandbox(PgSandboxOptions.builder(home).replicas(replicas).build())).start();
                clusters.add(SandboxCluster.config(pg, POSTGRES_CLUSTER, HOST, 6432 + portOffset, 6433 + portOffset,
                        mode).withTls(serverTls(pg.caCert(), pg.serversHaveTls())));
                rejoiners.put(POSTGRES_CLUSTER, pg::rejoin);
            }
            if (mysql) {
                System.out.println("Provisioning MariaDB: 1 primary + " + replicasText() + " in " + home + " ...");
                my = resources.add(new MariaDbSandbox(MariaDbSandboxOptions.in(home).withReplicas(replicas))).start();
                clusters.add(MariaDbSandboxCluster.config(my, MYSQL_CLUSTER, HOST, 6033 + portOffset,
                        6034 + portOffset, FailoverConfig.defaults(), mode).withTls(serverTls(my.caCert(), my.serversHaveTls())));
                rejoiners.put(MYSQL_CLUSTER, my::rejoin);
            }
            ServerConfig defaults = ServerConfig.defaults();
            ServerConfig server = new ServerConfig(HOST, defaults.ioThreads(), io,
                    defaults.startupTimeout(), defaults.connectTimeout(), defaults.maxStartupPacket(),
                    defaults.userCacheTtl());
            // A user who logs in with login tokens, signed by a key kept in the demo directory.
            if (pg != null) {
                pg.ensureApplicationPeer(TOKEN_USER, TOKEN_USER_PASSWORD);
            }
            if (my != null) {
                my.ensureApplicationPeer(TOKEN_USER, TOKEN_USER_PASSWORD);
            }
            Path tokenKey = home.resolve("tokens").resolve("token.key");
            TokenConfig tokens = demoTokenKey(tokenKey);
            Path adminToken = home.resolve(ADMIN_TOKEN_FILE);
            AdminConfig admin = new AdminConfig(HOST, 6480 + portOffset).withToken(demoAdminToken(adminToken));
            AurigaConfig config = new AurigaConfig(clusters, List.of(new UserConfig(TOKEN_USER,
                    new Secret(TOKEN_USER_PASSWORD, "the demo"), null, true)), tls.toConfig(TlsConfig.TlsMode.OPTIONAL),
                    admin, server, tokens);
            Runtime running;
            try {
                running = resources.add(Runtime.start(config, rejoiners));
            } catch (IOException e) {
                // Usually a port in use; leaving this block stops the instances just started.
                System.err.println("auriga demo: " + e.getMessage() + "; choose another --port-offset");
                return 1;
            }
            if (my != null) {
                recordPrimaryChanges(running, my, resources.add(Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "auriga-demo-roles");
                    t.setDaemon(true);
                    return t;
                })));
            }
            for (ClusterConfig cluster : clusters) {
                awaitReplicasRoutable(running.server().topology(cluster.name()), cluster);
            }
            PrintStream out = System.out;
            out.println();
            if (pg != null) {
                printPostgres(out, pg, running.server().topology(POSTGRES_CLUSTER).current(), tls,
                        running.server().port(POSTGRES_CLUSTER, "writer"), running.server().port(POSTGRES_CLUSTER,
                                "reader"), tokenKey);
            }
            if (my != null) {
                printMariaDb(out, my, running.server().topology(MYSQL_CLUSTER).current(), tls,
                        running.server().port(MYSQL_CLUSTER, "writer"), running.server().port(MYSQL_CLUSTER, "reader"),
                        tokenKey);
            }
            printFooter(out, running.server().adminPort(), adminToken, clusters.get(0).name());
            running.awaitShutdown();
        }
        return 0;
    }

    /** The demo's token key pair at {@code key} and {@code key.pub}: made on the first run, kept after. */
    private static TokenConfig demoTokenKey(Path key) throws IOException {
        Path publicKey = TokenKeys.publicFileOf(key);
        if (!Files.exists(key) || !Files.exists(publicKey)) {
            // Half a pair (a run stopped while writing it) is of no use: start again.
            Files.deleteIfExists(key);
            Files.deleteIfExists(publicKey);
            TokenKeys.writeNewPair(key);
        }
        return new TokenConfig(publicKey, TokenKeys.readPublic(publicKey), TokenConfig.DEFAULT_MAX_TTL);
    }

    /**
     * The admin API's bearer token at {@code file}, readable by the demo's user only: made on the first
     * run (32 random bytes, base64url), kept after so that commands pasted earlier still work.
     */
    static Secret demoAdminToken(Path file) throws IOException {
        if (!Files.exists(file) || Files.readString(file).isBlank()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
        }
        return new Secret(Files.readString(file).strip(), "file " + file);
    }

    private String replicasText() {
        return replicas + (replicas == 1 ? " replica" : " replicas");
    }

    /**
     * A MariaDB promotion changes only the running server: each new primary Auriga publishes is recorded
     * in the sandbox's option files, so that a restarted instance comes back in its current role.
     */
    private static void recordPrimaryChanges(Runtime running, MariaDbSandbox sandbox, ExecutorService worker) {
        running.server().topology(MYSQL_CLUSTER).addListener((TopologyChange change) -> {
            Optional<String> before = change.before().primary().map(InstanceState::name);
            Optional<String> after = change.after().primary().map(InstanceState::name);
            if (after.isPresent() && !Objects.equals(before, after)) {
                // Off the monitor's thread: the sandbox may be busy rejoining an instance.
                worker.execute(() -> {
                    try {
                        sandbox.recordPrimary(after.get());
                    } catch (RuntimeException e) {
                        System.err.println("auriga demo: cannot record " + after.get() + " as the MariaDB primary: "
                                + e.getMessage());
                    }
                });
            }
        });
    }

    private static void printInstances(PrintStream out, String engineName, List<String[]> instances,
                                       Topology topology) {
        out.println("Auriga is running in front of " + instances.size() + " " + engineName + " instances:");
        for (String[] i : instances) {
            out.printf("  %-4s %s:%s  %s%n", i[0], HOST, i[1],
                    "(" + topology.instance(i[0]).map(s -> s.role().wireName()).orElse("unknown") + ")");
        }
        out.println();
    }

    private static void printPostgres(PrintStream out, PgSandbox sandbox, Topology topology, TlsFiles tls, int writer,
                                      int reader, Path tokenKey) {
        String ca = tls.caCert().toString();
        printInstances(out, "PostgreSQL", sandbox.instances().stream()
                .map(i -> new String[] {i.name(), Integer.toString(i.port())}).toList(), topology);
        out.println("Writer endpoint (reaches the primary):");
        out.printf("  psql \"postgresql://%s:%s@%s:%d/%s?sslmode=verify-full&sslrootcert=%s\"%n", sandbox.user(),
                sandbox.password(), HOST, writer, sandbox.database(), ca);
        out.println("Reader endpoint (balanced over the replicas, read-only):");
        out.printf("  psql \"postgresql://%s:%s@%s:%d/%s?sslmode=verify-full&sslrootcert=%s\"%n", sandbox.user(),
                sandbox.password(), HOST, reader, sandbox.database(), ca);
        out.println("JDBC:");
        out.printf("  jdbc:postgresql://%s:%d/%s?user=%s&password=%s&sslmode=verify-full&sslrootcert=%s%n", HOST,
                writer, sandbox.database(), sandbox.user(), sandbox.password(), ca);
        out.println("Login token (user " + TOKEN_USER + ", valid 15 minutes, over TLS only):");
        out.printf("  PGPASSWORD=\"%s\" psql \"postgresql://%s@%s:%d/%s?sslmode=verify-full&sslrootcert=%s\"%n",
                tokenCommand(tokenKey), TOKEN_USER, HOST, writer, sandbox.database(), ca);
        out.println("Benchmark:");
        out.printf("  PGPASSWORD=%s pgbench -i -h %s -p %d -U %s %s && PGPASSWORD=%s pgbench -S -c 8 -T 10 -h %s -p %d "
                        + "-U %s %s%n", sandbox.password(), HOST, writer, sandbox.user(), sandbox.database(),
                sandbox.password(), HOST, writer, sandbox.user(), sandbox.database());
        out.println();
    }

    private static void printMariaDb(PrintStream out, MariaDbSandbox sandbox, Topology topology, TlsFiles tls,
                                     int writer, int reader, Path tokenKey) {
        String ca = tls.caCert().toString();
        printInstances(out, "MariaDB", sandbox.instances().stream()
                .map(i -> new String[] {i.name(), Integer.toString(i.port())}).toList(), topology);
        out.println("MySQL writer endpoint (reaches the primary):");
        out.printf("  mariadb -h %s -P %d -u %s -p%s %s --ssl-ca=%s --ssl-verify-server-cert%n", HOST, writer,
                sandbox.user(), sandbox.password(), sandbox.database(), ca);
        out.println("MySQL reader endpoint (balanced over the replicas, read-only):");
        out.printf("  mariadb -h %s -P %d -u %s -p%s %s --ssl-ca=%s --ssl-verify-server-cert%n", HOST, reader,
                sandbox.user(), sandbox.password(), sandbox.database(), ca);
        out.println("Login token (user " + TOKEN_USER + ", valid 15 minutes, over TLS only):");
        out.printf("  mariadb -h %s -P %d -u %s -p\"%s\" %s --ssl-ca=%s --ssl-verify-server-cert%n", HOST, writer,
                TOKEN_USER, tokenCommand(tokenKey), sandbox.database(), ca);
        out.println("JDBC (MariaDB Connector/J):");
        out.printf("  jdbc:mariadb://%s:%d/%s?user=%s&password=%s&sslMode=verify-full&serverSslCert=%s%n", HOST,
                writer, sandbox.database(), sandbox.user(), sandbox.password(), ca);
        out.println();
    }

    private static String tokenCommand(Path tokenKey) {
        return "$(./auriga token --user " + TOKEN_USER + " --key-file " + tokenKey + ")";
    }

    private static void printFooter(PrintStream out, int admin, Path adminToken, String cluster) {
        out.println("Admin API (needs the token in " + adminToken + "):");
        out.printf("  ./auriga status --admin http://%s:%d --admin-token-file %s%n", HOST, admin, adminToken);
        out.printf("  ./auriga switchover --cluster %s --admin http://%s:%d --admin-token-file %s%n", cluster, HOST, admin,
                adminToken);
        out.printf("  curl -H \"Authorization: Bearer $(cat %s)\" http://%s:%d/topology%n", adminToken, HOST, admin);
        out.println("  (or export " + AdminApi.TOKEN_ENV + "=\"$(cat " + adminToken + ")\" once for auriga status and"
                + " switchover)");
        out.println();
        out.println("Press Ctrl-C to stop Auriga and the database instances.");
        out.flush();
    }

    /** What the demo started, closed in reverse order; a failure to close one does not keep the others running. */
    private static final class Resources implements AutoCloseable {
        private final List<AutoCloseable> opened = new ArrayList<>();

        <T extends AutoCloseable> T add(T resource) {
            opened.add(resource);
            return resource;
        }

        ExecutorService add(ExecutorService executor) {
            opened.add(executor::shutdownNow);
            return executor;
        }

        @Override
        public void close() {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception e) {
                    System.err.println("auriga demo: while stopping: " + e.getMessage());
                }
            }
        }
    }

    /**
     * The demo's servers present certificates from the demo's authority: the proxy checks them. Servers
     * provisioned in DIR by a version without TLS are reached in plain text, and the demo says so.
     */
    private BackendTlsConfig serverTls(Path ca, boolean serversHaveTls) {
        if (backendTls.equals("disable")) {
            return BackendTlsConfig.DISABLED;
        }
        if (!serversHaveTls) {
            System.out.println("The servers in " + dir + " were provisioned without TLS: the proxy reaches them in"
                    + " plain text (remove the directory to provision them afresh).");
            return BackendTlsConfig.DISABLED;
        }
        return new BackendTlsConfig(BackendTlsConfig.Mode.VERIFY_FULL, ca);
    }

    /**
     * Waits (bounded) until the monitor has seen every replica healthy and within the reader's
     * max-lag, so that the commands printed next reach a replica through the reader endpoint at once
     * rather than the primary it falls back to; on a slow machine the first probes can take a moment.
     */
    private void awaitReplicasRoutable(TopologyHolder topology, ClusterConfig cluster) throws InterruptedException {
        long maxLag = cluster.endpoints().stream().filter(e -> e.role() == EndpointRole.READER)
                .mapToLong(e -> e.maxLag().toMillis()).min().orElse(Long.MAX_VALUE);
        Predicate<Topology> ready = now -> now.primary().isPresent() && now.replicas().size() == replicas
                && now.replicas().stream().allMatch(r -> r.lagMillis() >= 0 && r.lagMillis() <= maxLag);
        // The monitor publishes a snapshot every round: the first that shows them ready ends the wait.
        CompletableFuture<Void> seen = new CompletableFuture<>();
        Consumer<TopologyChange> listener = change -> {
            if (ready.test(change.after())) {
                seen.complete(null);
            }
        };
        topology.addListener(listener);
        try {
            if (!ready.test(topology.current())) {
                seen.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException e) {
            System.err.println("auriga demo: cluster " + cluster.name() + " does not show " + replicasText()
                    + " ready for reads after " + READY_TIMEOUT.toSeconds() + " s; the reader endpoint falls back to"
                    + " the primary until they are (see auriga status)");
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        } finally {
            topology.removeListener(listener);
        }
    }

    private static Map<String, IoTransport> transports() {
        Map<String, IoTransport> words = new LinkedHashMap<>();
        for (IoTransport t : IoTransport.values()) {
            words.put(EventLoops.name(t), t);
        }
        return words;
    }
}
