package io.auriga.sandbox.mariadb;

import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.mariadb.MariaDbSandbox.Instance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an instance's {@code my.cnf}, the only option file its server reads
 * ({@code --defaults-file}): paths inside the instance directory, loopback only, and what GTID
 * replication with failover needs — a binary log on every instance (a replica may be promoted),
 * {@code log_slave_updates} (a promoted replica's log must hold what it replicated),
 * {@code gtid_strict_mode}, row-based logging and a unique {@code server_id}.
 */
final class MariaDbConfigFile {

    private MariaDbConfigFile() {
    }

    /**
     * Sets {@code read-only} in an existing option file, so that the next start comes up refusing writes
     * (a former primary must not take writes before it follows the new primary).
     */
    static void setReadOnly(Instance instance, boolean readOnly) {
        try {
            String cnf = Files.readString(instance.configFile(), StandardCharsets.UTF_8);
            String changed = cnf.replaceAll("(?m)^read-only=.*$", "read-only=" + (readOnly ? "ON" : "OFF"));
            if (!changed.equals(cnf)) {
                Files.writeString(instance.configFile(), changed, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot update " + instance.configFile() + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param serverId the instance's unique {@code server_id}
     * @param readOnly whether the server starts read-only (replicas)
     * @param runAs    the account {@code mariadbd} switches to when started as root, or null
     * @param socket   the Unix socket path
     */
    static void write(Instance instance, int serverId, boolean readOnly, String runAs, Path socket) {
        StringBuilder cnf = new StringBuilder();
        cnf.append("# Auriga sandbox instance ").append(instance.name()).append('\n')
                .append("[mariadbd]\n");
        if (runAs != null) {
            cnf.append("user=").append(runAs).append('\n');
        }
        cnf.append("datadir=").append(instance.dataDir()).append('\n')
                .append("port=").append(instance.port()).append('\n')
                .append("bind-address=").append(instance.host()).append('\n')
                .append("socket=").append(socket).append('\n')
                .append("pid-file=").append(instance.pidFile()).append('\n')
                .append("tmpdir=").append(instance.tmpDir()).append('\n')
                .append("log-error=").append(instance.errorLog()).append('\n')
                .append("server-id=").append(serverId).append('\n')
                .append("log-bin=").append(instance.dataDir().resolve("binlog")).append('\n')
                .append("relay-log=").append(instance.dataDir().resolve("relay-bin")).append('\n')
                .append("log-slave-updates=ON\n")
                .append("gtid-strict-mode=ON\n")
                .append("binlog-format=ROW\n")
                .append("read-only=").append(readOnly ? "ON" : "OFF").append('\n')
                .append("report-host=").append(instance.host()).append('\n')
                .append("report-port=").append(instance.port()).append('\n')
                // Host names are never looked up: accounts are '…'@'%' and clients come from 127.0.0.1.
                .append("skip-name-resolve\n")
                // TLS for whoever asks, with a certificate from the sandbox's authority.
                .append("ssl-cert=").append(instance.tlsCert()).append('\n')
                .append("ssl-key=").append(instance.tlsKey()).append('\n')
                // Small enough for several instances on a developer machine or CI.
                .append("innodb-buffer-pool-size=32M\n")
                .append("innodb-log-file-size=16M\n")
                .append("performance-schema=OFF\n")
                // ed25519 accounts on every instance: CREATE USER is replicated, INSTALL SONAME is not.
                .append("plugin-load-add=auth_ed25519\n");
        try {
            Files.writeString(instance.configFile(), cnf.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("cannot write " + instance.configFile() + ": " + e.getMessage(), e);
        }
    }
}
