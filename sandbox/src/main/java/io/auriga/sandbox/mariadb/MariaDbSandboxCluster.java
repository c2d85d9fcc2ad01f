package io.auriga.sandbox.mariadb;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Durability;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.sandbox.SandboxClusterConfig;

/** The cluster configuration that puts a writer and a reader endpoint in front of a MariaDB sandbox. */
public final class MariaDbSandboxCluster {
    private MariaDbSandboxCluster() {
    }

    /**
     * @param writerPort port of the writer endpoint (0 picks a free one)
     * @param readerPort port of the reader endpoint (0 picks a free one)
     */
    public static ClusterConfig config(MariaDbSandbox sandbox, String name, String host, int writerPort,
                                       int readerPort, FailoverConfig failover) {
        return config(sandbox, name, host, writerPort, readerPort, failover, Durability.ASYNC);
    }

    /** As above, with {@code durability} ({@code QUORUM}: semi-synchronous replication without fallback). */
    public static ClusterConfig config(MariaDbSandbox sandbox, String name, String host, int writerPort,
                                       int readerPort, FailoverConfig failover, Durability durability) {
        return SandboxClusterConfig.config(Engine.MYSQL, sandbox.instances(), sandbox.adminUser(),
                sandbox.adminPassword(), sandbox.directory(), name, host, writerPort, readerPort, failover, durability);
    }
}
