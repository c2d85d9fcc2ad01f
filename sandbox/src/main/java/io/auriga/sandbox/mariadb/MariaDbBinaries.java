package io.auriga.sandbox.mariadb;

import io.auriga.sandbox.ProcessRunner;
import io.auriga.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MariaDB server binaries of this machine: {@code mariadbd} (in {@code /usr/sbin} on Debian,
 * off the {@code PATH} of ordinary users), {@code mariadb-install-db} and the {@code mariadb} client.
 *
 * @param server       {@code mariadbd}
 * @param installDb    {@code mariadb-install-db}
 * @param client       the {@code mariadb} command-line client
 * @param majorVersion the server's major version, e.g. {@code 10.11}
 */
public record MariaDbBinaries(Path server, Path installDb, Path client, String majorVersion) {

    private static final Pattern VERSION = Pattern.compile("Ver\\s+(\\d+)\\.(\\d+)\\.\\d+-MariaDB");
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(20);

    /**
     * Finds the binaries in the {@code PATH} directories, then {@code /usr/sbin}, {@code /usr/bin} and
     * {@code /usr/local/mysql/bin}; empty when no MariaDB server is installed.
     */
    public static Optional<MariaDbBinaries> find() {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isBlank()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        dirs.addAll(List.of(Path.of("/usr/sbin"), Path.of("/usr/bin"), Path.of("/usr/local/mysql/bin")));
        Optional<Path> server = locate(dirs, "mariadbd");
        Optional<Path> installDb = locate(dirs, "mariadb-install-db");
        Optional<Path> client = locate(dirs, "mariadb");
        if (server.isEmpty() || installDb.isEmpty() || client.isEmpty()) {
            return Optional.empty();
        }
        ProcessRunner.Result version = ProcessRunner.run(List.of(server.get().toString(), "--version"), Map.of(),
                null, VERSION_TIMEOUT);
        if (!version.ok()) {
            return Optional.empty();
        }
        return Optional.of(new MariaDbBinaries(server.get(), installDb.get(), client.get(),
                parseMajor(version.output())));
    }

    /**
     * The major version in {@code mariadbd --version} output such as
     * {@code mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64}.
     *
     * @throws SandboxException when the output is not a MariaDB server's
     */
    static String parseMajor(String versionOutput) {
        Matcher m = VERSION.matcher(versionOutput);
        if (!m.find()) {
            throw new SandboxException("not a MariaDB server version: " + versionOutput.strip());
        }
        return m.group(1) + "." + m.group(2);
    }

    /** {@code mariadb-dump}, installed beside the client. */
    public Path dump() {
        return client.resolveSibling("mariadb-dump");
    }

    private static Optional<Path> locate(List<Path> dirs, String name) {
        return dirs.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst();
    }
}
