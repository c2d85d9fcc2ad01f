package io.auriga.sandbox.pg;

import io.auriga.sandbox.SandboxDirectory;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.ServerUser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    static final String SOCKET_DIR = SandboxDirectory.SOCKET_DIR;

    /** Where ALTER SYSTEM keeps its settings, and pg_basebackup -R the streaming ones. */
    static final String AUTO_CONF = "postgresql.auto.conf";

    /** The file whose presence makes a server start as a standby. */
    static final String STANDBY_SIGNAL = "standby.signal";

    /** The setting the failover fence turns on in a former primary. */
    static final String FENCE_SETTING = "default_transaction_read_only";

    private static final Set<String> REPLACED_SETTINGS = Set.of(FENCE_SETTING, "primary_conninfo", "primary_slot_name");

    /** {@code name = value} or {@code name value}, optionally indented; group 1 is the name. */
    private static final Pattern SETTING_LINE = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.]*)\\s*(=|\\s|$)");

    /** Unix socket paths are limited to 107 bytes; {@code /.s.PGSQL.65535.lock} takes 21. */
    private static final int MAX_SOCKET_DIR_LENGTH = 107 - 21;

    private static final String SHARED_SETTINGS = """

            # ---- Auriga sandbox: shared by every instance of the cluster ----
            listen_addresses = '127.0.0.1'
            max_connections = 100
            shared_buffers = 32MB
            password_encryption = 'scram-sha-256'
            # TLS for whoever asks (server.crt / server.key in the data directory, from the sandbox's authority).
            ssl = on
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

    // Trust on the socket let every local OS user in as the superuser (the socket directory was open to
    // all); a password is needed everywhere, and the socket directory is the server account's alone.
    static final String HBA = """
            # Auriga sandbox: SCRAM on the instance's own Unix socket and on loopback TCP, no trust.
            # TYPE  DATABASE     USER  ADDRESS       METHOD
            local   all          all                 scram-sha-256
            local   replication  all                 scram-sha-256
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
     * Makes the stopped server of {@code dataDir} start as a standby of {@code primaryConninfo}
     * through slot {@code slot}: rewrites {@value #AUTO_CONF} with {@link #standbyAutoConf} (the server
     * is down, so ALTER SYSTEM is not available and nothing else writes the file) and creates
     * {@value #STANDBY_SIGNAL}.
     */
    void writeStandby(Path dataDir, String primaryConninfo, String slot) {
        Path autoConf = dataDir.resolve(AUTO_CONF);
        String current;
        try {
            current = Files.isRegularFile(autoConf) ? Files.readString(autoConf, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new SandboxException("cannot read " + autoConf + ": " + e.getMessage(), e);
        }
        // Through a temporary file, so that a crash of this JVM never leaves half a file behind.
        Path tmp = dataDir.resolve(AUTO_CONF + ".auriga-tmp");
        write(tmp, standbyAutoConf(current, primaryConninfo, slot),
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            Files.move(tmp, autoConf, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new SandboxException("cannot replace " + autoConf + ": " + e.getMessage(), e);
        }
        write(dataDir.resolve(STANDBY_SIGNAL), "", StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * {@code postgresql.auto.conf} content {@code current} with the settings that would stop a rejoined
     * former primary from being a healthy standby removed ({@value #FENCE_SETTING}, which the failover
     * fence sets, and any earlier {@code primary_conninfo} / {@code primary_slot_name}), and the new
     * {@code primary_conninfo} and {@code primary_slot_name} appended. Every other line stays as it is.
     * Values are quoted as ALTER SYSTEM quotes them: in single quotes, quotes and backslashes doubled.
     */
    static String standbyAutoConf(String current, String primaryConninfo, String slot) {
        StringBuilder out = new StringBuilder();
        current.lines()
                .filter(line -> !REPLACED_SETTINGS.contains(settingName(line)))
                .forEach(line -> out.append(line).append('\n'));
        if (out.length() == 0) {
            out.append("# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n");
        }
        out.append("primary_conninfo = ").append(confLiteral(primaryConninfo)).append('\n');
        out.append("primary_slot_name = ").append(confLiteral(slot)).append('\n');
        return out.toString();
    }

    /**
     * A libpq connection string for a standby of the server on {@code 127.0.0.1:port}; {@code
     * applicationName} is how the primary's {@code pg_stat_replication} names the standby.
     */
    static String primaryConninfo(int port, String user, String password, String applicationName) {
        return "host=127.0.0.1 port=" + port + " user=" + conninfoValue(user) + " password="
                + conninfoValue(password) + " application_name=" + conninfoValue(applicationName);
    }

    /** The (lower-cased) name of the setting a configuration line sets, or "" for comments and blank lines. */
    static String settingName(String line) {
        Matcher m = SETTING_LINE.matcher(line);
        return m.lookingAt() ? m.group(1).toLowerCase(Locale.ROOT) : "";
    }

    private static String confLiteral(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** A libpq value in single quotes, backslash and quote escaped with a backslash. */
    private static String conninfoValue(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
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
