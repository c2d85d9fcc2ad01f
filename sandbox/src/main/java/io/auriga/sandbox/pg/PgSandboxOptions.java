package io.auriga.sandbox.pg;

import io.auriga.sandbox.SandboxLifecycle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@link PgSandbox} provisions: where, how many replicas, on which ports, and with which
 * application user. Build with {@link #builder(Path)}; every field but the directory has a default.
 *
 * @param directory     the sandbox directory; instance data lives in {@code DIR/pg1}, {@code DIR/pg2}, …
 * @param replicas      streaming replicas besides the primary {@code pg1} (default 2)
 * @param basePort      port of {@code pg1}, {@code pgN} gets {@code basePort + N - 1}; 0 picks free ports
 * @param database      the application database (default {@code auriga})
 * @param user          the application user, owner of {@link #database} (default {@code auriga})
 * @param password      the application user's password (default {@code auriga})
 * @param adminPassword the {@code auriga_admin} superuser's password; empty to reuse
 *                      {@code DIR/admin.password} or generate a random one into it
 * @param binaries      the server binaries; empty to {@linkplain PgBinaries#find() find them}
 * @param startTimeout  bound on each start of an instance and on each replica reaching {@code streaming}
 * @param deleteOnClose whether {@link PgSandbox#close()} deletes the directory after stopping the servers
 */
public record PgSandboxOptions(
        Path directory,
        int replicas,
        int basePort,
        String database,
        String user,
        String password,
        Optional<String> adminPassword,
        Optional<PgBinaries> binaries,
        Duration startTimeout,
        boolean deleteOnClose) {

    /** The superuser the sandbox creates; it also holds {@code REPLICATION}. */
    public static final String ADMIN_USER = "auriga_admin";

    private static final String IDENTIFIER_RULE = "lower-case SQL identifier ([a-z_][a-z0-9_]*)";
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public PgSandboxOptions {
        Objects.requireNonNull(directory, "directory");
        directory = directory.toAbsolutePath().normalize();
        SandboxLifecycle.checkOptions(replicas, basePort, startTimeout);
        requireIdentifier("database", database);
        requireIdentifier("user", user);
        if (ADMIN_USER.equals(user)) {
            throw new IllegalArgumentException("user must differ from the admin user " + ADMIN_USER);
        }
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(adminPassword, "adminPassword");
        Objects.requireNonNull(binaries, "binaries");
    }

    /** Options for a sandbox in {@code directory} with every other field at its default. */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** Builds {@link PgSandboxOptions}; fields not set keep their defaults. */
    public static final class Builder {
        private final Path directory;
        private int replicas = 2;
        private int basePort;
        private String database = "auriga";
        private String user = "auriga";
        private String password = "auriga";
        private String adminPassword;
        private PgBinaries binaries;
        private Duration startTimeout = Duration.ofSeconds(60);
        private boolean deleteOnClose;

        private Builder(Path directory) {
            this.directory = directory;
        }

        public Builder replicas(int replicas) {
            this.replicas = replicas;
            return this;
        }

        public Builder basePort(int basePort) {
            this.basePort = basePort;
            return this;
        }

        public Builder database(String database) {
            this.database = database;
            return this;
        }

        public Builder user(String user, String password) {
            this.user = user;
            this.password = password;
            return this;
        }

        public Builder adminPassword(String adminPassword) {
            this.adminPassword = adminPassword;
            return this;
        }

        public Builder binaries(PgBinaries binaries) {
            this.binaries = binaries;
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        public Builder deleteOnClose(boolean deleteOnClose) {
            this.deleteOnClose = deleteOnClose;
            return this;
        }

        public PgSandboxOptions build() {
            return new PgSandboxOptions(directory, replicas, basePort, database, user, password,
                    Optional.ofNullable(adminPassword), Optional.ofNullable(binaries), startTimeout, deleteOnClose);
        }
    }

    private static void requireIdentifier(String field, String value) {
        SandboxLifecycle.requireIdentifier(field, value, IDENTIFIER, IDENTIFIER_RULE);
    }
}
