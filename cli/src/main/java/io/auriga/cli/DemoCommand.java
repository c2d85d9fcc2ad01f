package io.auriga.cli;

import io.auriga.config.AdminConfig;
import io.auriga.config.AurigaConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.Durability;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import io.auriga.core.topology.Topology;
import io.auriga.pg.sandbox.PgBinaries;
import io.auriga.pg.sandbox.PgSandbox;
import io.auriga.pg.sandbox.PgSandboxOptions;
import io.auriga.pg.sandbox.SandboxCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code auriga demo}: provisions a local cluster from the server binaries on this machine, puts
 * the endpoints in front of it with TLS, prints connection commands, and stops everything it
 * started on Ctrl-C or SIGTERM.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Provision a local cluster (1 primary + N replicas), run Auriga in front of it, and print "
                + "ready-to-paste connection commands. Ctrl-C stops everything.")
final class DemoCommand implements Callable<Integer> {
    static final String HOST = "127.0.0.1";

    @Option(names = "--engine", defaultValue = "postgres", paramLabel = "ENGINE",
            description = "postgres, mysql or both (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--replicas", defaultValue = "2", description = "Replicas per cluster (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--dir", defaultValue = "demo-data", paramLabel = "DIR",
            description = "Where instance data and TLS files live (default: ./${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--port-offset", defaultValue = "0", paramLabel = "N",
            description = "Added to every listener port (6432/6433 PostgreSQL, 6480 admin).")
    int portOffset;

    @Option(names = "--durability", defaultValue = "async", paramLabel = "MODE",
            description = "async or quorum: with quorum a commit is acknowledged once a replica has it too "
                    + "(default: ${DEFAULT-VALUE}).")
    String durability;

    @Override
    public Integer call() throws Exception {
        if (!engine.equals("postgres")) {
            System.err.println("auriga demo: engine '" + engine + "' is not available in this build; use --engine postgres");
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
        if (mode == Durability.QUORUM && replicas < 1) {
            System.err.println("auriga demo: --durability quorum needs at least one replica");
            return 2;
        }
        if (replicas < 0 || replicas > 8) {
            System.err.println("auriga demo: --replicas must be between 0 and 8");
            return 2;
        }
        if (PgBinaries.find().isEmpty()) {
            System.err.println("auriga demo: no PostgreSQL server binaries found (looked for pg_config and "
                    + "/usr/lib/postgresql/*/bin). On Debian: apt-get install postgresql");
            return 2;
        }
        Path home = dir.toAbsolutePath().normalize();
        Files.createDirectories(home);
        TlsFiles tls = CertificateAuthority.ensure(home.resolve("tls"), List.of("localhost", HOST));
        System.out.println("Provisioning PostgreSQL: 1 primary + " + replicas + (replicas == 1 ? " replica" : " replicas")
                + " in " + home + " ...");
        try (PgSandbox sandbox = new PgSandbox(PgSandboxOptions.builder(home).replicas(replicas).build()).start()) {
            ClusterConfig cluster = SandboxCluster.config(sandbox, "postgres", HOST, 6432 + portOffset,
                    6433 + portOffset, mode);
            ServerConfig defaults = ServerConfig.defaults();
            ServerConfig server = new ServerConfig(HOST, defaults.ioThreads(), defaults.startupTimeout(),
                    defaults.connectTimeout(), defaults.maxStartupPacket(), defaults.userCacheTtl());
            AurigaConfig config = new AurigaConfig(List.of(cluster), List.of(), tls.toConfig(TlsConfig.TlsMode.OPTIONAL),
                    new AdminConfig(HOST, 6480 + portOffset), server);
            try (Runtime running = Runtime.start(config, Map.of("postgres", sandbox::rejoin))) {
                printWelcome(System.out, sandbox, running.server().topology("postgres").current(), tls,
                        running.server().port("postgres", "writer"),
                        running.server().port("postgres", "reader"), running.server().adminPort());
                running.awaitShutdown();
            } catch (IOException e) {
                // Usually a port in use; leaving this block stops the instances just started.
                System.err.println("auriga demo: " + e.getMessage() + "; choose another --port-offset");
                return 1;
            }
        }
        return 0;
    }

    private static void printWelcome(PrintStream out, PgSandbox sandbox, Topology topology, TlsFiles tls, int writer,
                                     int reader, int admin) {
        String ca = tls.caCert().toString();
        out.println();
        out.println("Auriga is running in front of " + sandbox.instances().size() + " PostgreSQL instances:");
        sandbox.instances().forEach(i -> out.printf("  %-4s %s:%d  %s%n", i.name(), i.host(), i.port(),
                "(" + topology.instance(i.name()).map(s -> s.role().wireName()).orElse("unknown") + ")"));
        out.println();
        out.println("Writer endpoint (reaches the primary):");
        out.printf("  psql \"postgresql://%s:%s@%s:%d/%s?sslmode=verify-full&sslrootcert=%s\"%n", sandbox.user(),
                sandbox.password(), HOST, writer, sandbox.database(), ca);
        out.println("Reader endpoint (balanced over the replicas, read-only):");
        out.printf("  psql \"postgresql://%s:%s@%s:%d/%s?sslmode=verify-full&sslrootcert=%s\"%n", sandbox.user(),
                sandbox.password(), HOST, reader, sandbox.database(), ca);
        out.println("JDBC:");
        out.printf("  jdbc:postgresql://%s:%d/%s?user=%s&password=%s&sslmode=verify-full&sslrootcert=%s%n", HOST,
                writer, sandbox.database(), sandbox.user(), sandbox.password(), ca);
        out.println("Benchmark:");
        out.printf("  PGPASSWORD=%s pgbench -i -h %s -p %d -U %s %s && PGPASSWORD=%s pgbench -S -c 8 -T 10 -h %s -p %d "
                        + "-U %s %s%n", sandbox.password(), HOST, writer, sandbox.user(), sandbox.database(),
                sandbox.password(), HOST, writer, sandbox.user(), sandbox.database());
        out.println("Topology:");
        out.printf("  ./auriga status --admin http://%s:%d      (or curl http://%s:%d/topology)%n", HOST, admin, HOST,
                admin);
        out.println();
        out.println("Press Ctrl-C to stop Auriga and the database instances.");
        out.flush();
    }
}
