package io.auriga.pg.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes the configuration of sandbox instances.
 *
 * <p>Settings every instance shares are appended once to the primary's {@code postgresql.conf},
 * which {@code pg_basebackup} then copies to each replica. That file includes
 * {@value #INSTANCE_CONF}, holding what differs per instance (port, socket directory, name), which is
 * rewritten for each replica after its base backup. Streaming settings ({@code primary_conninfo},
 * {@code primary_slot_name}) stay where {@code pg_basebackup -R} and {@code ALTER SYSTEM} keep them:
 * {@code postgresql.auto.conf}.
 */
final class PgConfigFiles {

    /** The per-instance file included from {@code postgresql.conf}. */
    static final String INSTANCE_CONF = "auriga-instance.conf";

    /** The server log, inside the data directory. */
    static final String LOG_FILE = "postgres.log";

    /** The directory, beside the data directories, holding every instance's Unix socket (named by port). */
    static final String SOCKET_DIR = "run";

    /** Unix socket paths are limited to 107 bytes; {@code /.s.PGSQL.65535.lock} takes 21. */
    private static final int MAX_SOCKET_DIR_LENGTH = 107 - 21;

    private static final String SHARED_SETTINGS = """

            # ---- Auriga sandbox: shared by every instance of the cluster ----
            listen_addresses = '127.0.0.1'
            max_connections = 100
            shared_buffers = 32MB
            password_encryption = 'scram-sha-256'
            # Streaming replication, and logical decoding through the endpoints;
            # pg_rewind needs wal_log_hints (or data checksums).
            wal_level = logical
            max_wal_senders = 10
            max_replication_slots = 10
            wal_keep_size = 128MB
            wal_log_hints = on
            hot_standby = on
            hot_standby_feedback = on
            # The server log goes to the file pg_ctl -l names (postgres.log in the data directory).
            logging_collector = off
            log_line_prefix = '%m [%p] %q%u@%d '
            log_timezone = 'UTC'
            include '""" + INSTANCE_CONF + "'\n";

    private static final String HBA = """
            # Auriga sandbox: trust on the instance's own Unix socket, SCRAM on loopback TCP only.
            # TYPE  DATABASE     USER  ADDRESS       METHOD
            local   all          all                 trust
            local   replication  all                 trust
            host    all          all   127.0.0.1/32  scram-sha-256
            host    replication  all   127.0.0.1/32  scram-sha-256
            """;

    private final ServerUser serverUser;

    PgConfigFiles(ServerUser serverUser) {
        this.serverUser = serverUser;
    }

    /** Appends the shared settings to a freshly initialised {@code postgresql.conf} and replaces {@code pg_hba.conf}. */
    void writeShared(Path dataDir) {
        write(dataDir.resolve("postgresql.conf"), SHARED_SETTINGS, StandardOpenOption.APPEND);
        write(dataDir.resolve("pg_hba.conf"), HBA, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Writes (or rewrites) what is specific to one instance: its port, socket directory and name. */
    void writeInstance(Path dataDir, String name, int port) {
        String content = "# Auriga sandbox: settings of instance " + name + " only\n"
                + "port = " + port + "\n"
                + "cluster_name = '" + name + "'\n"
                + "unix_socket_directories = '" + socketDirectory(dataDir) + "'\n";
        write(dataDir.resolve(INSTANCE_CONF), content,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * The sandbox's {@value #SOCKET_DIR} directory when its path is short enough for a socket path;
     * otherwise no Unix socket at all (TCP on 127.0.0.1 only). Never the system {@code /var/run/postgresql}.
     * Not the data directory: {@code pg_basebackup} would warn about the socket and copy its lock file.
     */
    static String socketDirectory(Path dataDir) {
        String dir = dataDir.toAbsolutePath().getParent().resolve(SOCKET_DIR).toString();
        return dir.length() <= MAX_SOCKET_DIR_LENGTH && !dir.contains("'") ? dir : "";
    }

    private void write(Path file, String content, StandardOpenOption... options) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8,
                    withWrite(options));
            serverUser.takeOwnership(file, false);
        } catch (IOException e) {
            throw new SandboxException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static StandardOpenOption[] withWrite(StandardOpenOption... options) {
        StandardOpenOption[] all = new StandardOpenOption[options.length + 1];
        System.arraycopy(options, 0, all, 0, options.length);
        all[options.length] = StandardOpenOption.WRITE;
        return all;
    }
}
