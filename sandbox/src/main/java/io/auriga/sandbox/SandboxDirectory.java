package io.auriga.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox directory on disk: its ownership and permissions, the admin password file, and
 * the checks that keep a new cluster from being written over the remains of another.
 */
public final class SandboxDirectory {

    private static final Logger log = LoggerFactory.getLogger(SandboxDirectory.class);

    /** The superuser's password, readable by the user who ran the sandbox only. */
    public static final String ADMIN_PASSWORD_FILE = "admin.password";

    /** The directory for the servers' Unix sockets: short, so socket paths stay under the kernel's limit. */
    public static final String SOCKET_DIR = "run";

    private static final int PASSWORD_BYTES = 24;

    private final Path dir;
    private final ServerUser serverUser;

    public SandboxDirectory(Path dir, ServerUser serverUser) {
        this.dir = dir;
        this.serverUser = serverUser;
    }

    /** Creates the directory (and its socket directory) if needed; makes sure the server user can create instances in it. */
    public void prepare() {
        prepare(SOCKET_DIR);
    }

    /**
     * As {@link #prepare()}, with the sockets in {@code DIR/socketDir}: sandboxes of engines whose servers
     * run as different accounts share a directory, each with a socket directory its account owns. That
     * directory is mode 0700, so no other local account can even reach a socket.
     */
    public void prepare(String socketDir) {
        Path sockets = dir.resolve(socketDir);
        try {
            Files.createDirectories(sockets);
        } catch (IOException e) {
            throw new SandboxException("cannot create " + sockets + ": " + e.getMessage(), e);
        }
        serverUser.takeOwnership(dir, false);
        serverUser.takeOwnership(sockets, false);
        try {
            Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new SandboxException("cannot chmod 0700 " + sockets + ": " + e.getMessage(), e);
        }
        serverUser.checkWritable(dir, dir);
    }

    /**
     * The admin password: {@code given} if present; else the one in {@value #ADMIN_PASSWORD_FILE};
     * else, for a new cluster only, a random one written to that file with mode 0600.
     */
    public String adminPassword(Optional<String> given, boolean existingCluster) {
        if (given.isPresent()) {
            return given.get();
        }
        Path file = dir.resolve(ADMIN_PASSWORD_FILE);
        try {
            if (Files.isRegularFile(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            }
            if (existingCluster) {
                throw new SandboxException(file + " is missing; give the admin password or delete " + dir);
            }
            String password = generatePassword();
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
            return password;
        } catch (IOException e) {
            throw new SandboxException("cannot read or write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses to provision over data: {@code DIR/<name>} must be absent or empty for each of
     * {@code names}. Data there without {@code sandbox.properties} is what a failed provisioning leaves.
     */
    public void requireNoInstanceData(String... names) {
        for (String name : names) {
            Path dataDir = dir.resolve(name);
            if (Files.isDirectory(dataDir) && !isEmpty(dataDir)) {
                throw new SandboxException(dataDir + " holds data but " + dir.resolve(SandboxState.FILE)
                        + " is missing (an earlier provisioning did not finish); delete " + dir + " and retry");
            }
        }
    }

    /**
     * Checks a reused data directory and gives it the server account and mode 0700 (PostgreSQL
     * insists on it).
     *
     * @param marker a file or directory every data directory of the engine holds ({@code PG_VERSION})
     */
    public void prepareExistingDataDir(Path dataDir, String marker) {
        if (!Files.exists(dataDir.resolve(marker))) {
            throw new SandboxException(dataDir + " is not a data directory of this sandbox (no " + marker + ")");
        }
        serverUser.takeOwnership(dataDir, true);
        try {
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new SandboxException("cannot chmod 0700 " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the directory and everything in it; logs what it cannot delete. */
    public void delete() {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(SandboxDirectory::deleteQuietly);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dir, e.getMessage());
        }
    }

    private static String generatePassword() {
        byte[] bytes = new byte[PASSWORD_BYTES];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static boolean isEmpty(Path directory) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", path, e.getMessage());
        }
    }
}
