package io.auriga.sandbox.mariadb;

import io.auriga.sandbox.SandboxLifecycle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@link MariaDbSandbox} provisions. Start from {@link #in(Path)} and change fields with the
 * {@code with…} methods; every field but the directory has a default.
 *
 * @param directory     the sandbox directory; instance {@code myN} lives in {@code DIR/myN}
 * @param replicas      replicas besides the primary {@code my1} (default 2)
 * @param basePort      port of {@code my1}, {@code myN} gets {@code basePort + N - 1}; 0 picks free ports
 * @param database      the application database (default {@code auriga})
 * @param user          the application user, with every privilege on {@link #database} (default {@code auriga})
 * @param password      the application user's password (default {@code auriga})
 * @param adminPassword {@value #ADMIN_USER}'s password; empty to reuse {@code DIR/admin.password} or
 *                      generate a random one into it
 * @param startTimeout  bound on each start of an instance and on each replica catching up
 * @param deleteOnClose whether {@link MariaDbSandbox#close()} deletes the directory after stopping the servers
 */
public record MariaDbSandboxOptions(
        Path directory,
        int replicas,
        int basePort,
        String database,
        String user,
        String password,
        Optional<String> adminPassword,
        Duration startTimeout,
        boolean deleteOnClose) {

    /** The administrative account: every privilege, on every instance. */
    public static final String ADMIN_USER = "auriga_admin";

    /** The account replicas use to read the primary's binary log. */
    public static final String REPLICATION_USER = "auriga_repl";

    private static final String IDENTIFIER_RULE = "lower-case identifier ([a-z_][a-z0-9_]*, at most 32 characters)";
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,31}");

    public MariaDbSandboxOptions {
        Objects.requireNonNull(directory, "directory");
        directory = directory.toAbsolutePath().normalize();
        SandboxLifecycle.checkOptions(replicas, basePort, startTimeout);
        requireIdentifier("database", database);
        requireIdentifier("user", user);
        if (ADMIN_USER.equals(user) || REPLICATION_USER.equals(user)) {
            throw new IllegalArgumentException("user must differ from " + ADMIN_USER + " and " + REPLICATION_USER);
        }
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(adminPassword, "adminPassword");
    }

    /** Options for a sandbox in {@code directory} with every other field at its default. */
    public static MariaDbSandboxOptions in(Path directory) {
        return new MariaDbSandboxOptions(directory, 2, 0, "auriga", "auriga", "auriga", Optional.empty(),
                Duration.ofSeconds(60), false);
    }

    public MariaDbSandboxOptions withReplicas(int count) {
        return new MariaDbSandboxOptions(directory, count, basePort, database, user, password, adminPassword,
                startTimeout, deleteOnClose);
    }

    public MariaDbSandboxOptions withBasePort(int port) {
        return new MariaDbSandboxOptions(directory, replicas, port, database, user, password, adminPassword,
                startTimeout, deleteOnClose);
    }

    public MariaDbSandboxOptions withAdminPassword(String secret) {
        return new MariaDbSandboxOptions(directory, replicas, basePort, database, user, password,
                Optional.of(secret), startTimeout, deleteOnClose);
    }

    public MariaDbSandboxOptions withStartTimeout(Duration timeout) {
        return new MariaDbSandboxOptions(directory, replicas, basePort, database, user, password, adminPassword,
                timeout, deleteOnClose);
    }

    public MariaDbSandboxOptions withDeleteOnClose(boolean delete) {
        return new MariaDbSandboxOptions(directory, replicas, basePort, database, user, password, adminPassword,
                startTimeout, delete);
    }

    private static void requireIdentifier(String field, String value) {
        SandboxLifecycle.requireIdentifier(field, value, IDENTIFIER, IDENTIFIER_RULE);
    }
}
