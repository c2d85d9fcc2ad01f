package io.auriga.cli;

import io.auriga.sandbox.ProcessTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the CLI integration tests observe from outside the process under test: loopback ports,
 * PostgreSQL server processes (via {@code /proc}) and a scratch directory the {@code postgres}
 * account can reach; MariaDB server processes likewise.
 */
final class LocalMachine {
    static final String LOOPBACK = "127.0.0.1";

    private LocalMachine() {
    }

    /**
     * A port offset in 20000..30000 such that {@code base + offset} is free on the loopback for
     * every given base. Others run tests on this machine concurrently, so a fixed offset would collide.
     */
    static int freeOffset(int... bases) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(20_000, 30_001);
            boolean free = true;
            for (int base : bases) {
                free &= isFree(base + offset);
            }
            if (free) {
                return offset;
            }
        }
        throw new IllegalStateException("no free port offset found");
    }

    /** {@code count} distinct ports that are free on the loopback right now. */
    static List<Integer> freePorts(int count) {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < count) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
                if (!ports.contains(socket.getLocalPort())) {
                    ports.add(socket.getLocalPort());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ports;
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether something accepts TCP connections on {@code 127.0.0.1:port}. */
    static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 2_000);
            // Connecting to a free port in the ephemeral range can pick that very port as the local
            // end and connect to itself; that is no listener.
            return socket.getLocalPort() != port;
        } catch (ConnectException refused) {
            return false;
        } catch (IOException e) {
            // A timeout on the loopback means a full backlog, which still means a listener.
            return true;
        }
    }

    /**
     * A new scratch directory the {@code postgres} account can traverse (mode 0711): the sandbox
     * runs its servers as that account when the tests run as root.
     */
    static Path scratchDirectory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        return dir.toAbsolutePath().normalize();
    }

    /** Deletes {@code dir} and everything below it, ignoring what cannot be deleted. */
    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file must not hide the test's real outcome
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort, as above
        }
    }

    /**
     * Running (not zombie) PostgreSQL server processes whose command line mentions {@code dir}: the
     * postmasters ({@code postgres -D DIR/pgN}); their children are found with
     * {@link ProcessHandle#descendants()}.
     */
    static List<ProcessHandle> postgresProcessesUnder(Path dir) {
        String needle = dir.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> isPostgres(p) && commandLine(p).map(c -> c.contains(needle)).orElse(false))
                .filter(ProcessTree::isRunning)
                .toList();
    }

    /** The postmasters under {@code dir} and every process they forked. */
    static List<ProcessHandle> postgresTreesUnder(Path dir) {
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle postmaster : postgresProcessesUnder(dir)) {
            all.add(postmaster);
            postmaster.descendants().forEach(all::add);
        }
        return all;
    }

    /** SIGKILLs every PostgreSQL server under {@code dir}: the safety net when a test failed half-way. */
    static void killPostgresUnder(Path dir) {
        if (dir == null) {
            return;
        }
        List<ProcessHandle> tree = postgresTreesUnder(dir);
        tree.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (tree.stream().anyMatch(ProcessTree::isRunning) && System.nanoTime() < deadline) {
            sleep(50);
        }
    }

    /**
     * Running MariaDB servers whose command line mentions {@code dir} ({@code mariadbd
     * --defaults-file=DIR/myN/my.cnf}); a server is one process.
     */
    static List<ProcessHandle> mariadbProcessesUnder(Path dir) {
        String needle = dir.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> isMariaDb(p) && commandLine(p).map(c -> c.contains(needle)).orElse(false))
                .filter(ProcessTree::isRunning)
                .toList();
    }

    /** SIGKILLs every MariaDB server under {@code dir}: the safety net when a test failed half-way. */
    static void killMariaDbUnder(Path dir) {
        if (dir == null) {
            return;
        }
        List<ProcessHandle> servers = mariadbProcessesUnder(dir);
        servers.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (servers.stream().anyMatch(ProcessTree::isRunning) && System.nanoTime() < deadline) {
            sleep(50);
        }
    }

    private static boolean isMariaDb(ProcessHandle process) {
        return process.info().command().map(c -> Path.of(c).getFileName().toString())
                .map(name -> name.equals("mariadbd") || name.equals("mysqld"))
                .orElseGet(() -> commandLine(process).map(c -> c.contains("mariadbd")).orElse(false));
    }

    private static boolean isPostgres(ProcessHandle process) {
        return process.info().command().map(c -> Path.of(c).getFileName().toString())
                .map(name -> name.equals("postgres") || name.equals("postmaster"))
                .orElseGet(() -> commandLine(process).map(c -> c.contains("postgres")).orElse(false));
    }

    private static Optional<String> commandLine(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
