package io.auriga.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The operating-system account a sandbox's database servers and tools run as.
 *
 * <p>PostgreSQL and MariaDB refuse to run as root. When this JVM is root, every server command is
 * wrapped in {@code runuser -u <account> --} (or told the account, as {@code mariadbd --user} is)
 * and the sandbox directory is handed to that account; otherwise commands run as the current user
 * unchanged.
 */
public final class ServerUser {

    /** The account Debian's and most distributions' PostgreSQL packages create. */
    public static final String POSTGRES = "postgres";

    /** The account Debian's and most distributions' MariaDB and MySQL packages create. */
    public static final String MYSQL = "mysql";

    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

    private final String runAs;

    private ServerUser(String runAs) {
        this.runAs = runAs;
    }

    /** {@code account} (e.g. {@link #POSTGRES}) when this JVM runs as root, else the current user. */
    public static ServerUser detect(String account) {
        return new ServerUser(isRoot() ? account : null);
    }

    /** Whether commands are wrapped to run as another account. */
    public boolean switchesUser() {
        return runAs != null;
    }

    /** The account name commands run as. */
    public String name() {
        return runAs != null ? runAs : System.getProperty("user.name");
    }

    /** {@code command}, wrapped in {@code runuser} when the servers run as another account. */
    public List<String> wrap(List<String> command) {
        if (runAs == null) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", runAs, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Gives {@code path} (and, when {@code recursive}, everything below it) to the server account.
     * A no-op when no user switch happens.
     */
    public void takeOwnership(Path path, boolean recursive) {
        if (runAs == null) {
            return;
        }
        try {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal user = lookup.lookupPrincipalByName(runAs);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(runAs);
            try (Stream<Path> paths = recursive ? Files.walk(path) : Stream.of(path)) {
                for (Path p : (Iterable<Path>) paths::iterator) {
                    PosixFileAttributeView view = Files.getFileAttributeView(
                            p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                    view.setOwner(user);
                    view.setGroup(group);
                }
            }
        } catch (IOException e) {
            throw new SandboxException("cannot give " + path + " to user " + runAs + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks that the server account can write into {@code dir}. Fails with the first ancestor
     * that blocks it (a 0700 home or temporary directory is the usual culprit).
     */
    public void checkWritable(Path dir, Path workDir) {
        List<String> test = wrap(List.of("test", "-w", dir.toString(), "-a", "-x", dir.toString()));
        if (ProcessRunner.run(test, Map.of(), workDir, CHECK_TIMEOUT).ok()) {
            return;
        }
        String blocker = firstUntraversableAncestor(dir)
                .map(p -> "; " + p + " is not traversable by others (chmod o+x it, or choose a directory elsewhere)")
                .orElse("");
        throw new SandboxException("user " + name() + " cannot write into " + dir + blocker);
    }

    private static Optional<Path> firstUntraversableAncestor(Path dir) {
        List<Path> ancestors = new ArrayList<>();
        for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            ancestors.add(0, p);
        }
        for (Path p : ancestors) {
            try {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return Optional.of(p);
                }
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
