package io.auriga.sandbox.pg;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Durability;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.sandbox.SandboxClusterConfig;

/** The cluster configuration that puts a writer and a reader endpoint in front of a sandbox. */
public final class SandboxCluster {
    private SandboxCluster() {
    }

    /**
     * @param writerPort port of the writer endpoint (0 picks a free one)
     * @param readerPort port of the reader endpoint (0 picks a free one)
     */
    public static ClusterConfig config(PgSandbox sandbox, String name, String host, int writerPort, int readerPort) {
        return config(sandbox, name, host, writerPort, readerPort, Durability.ASYNC);
    }

    /** As above, with {@code durability}. */
    public static ClusterConfig config(PgSandbox sandbox, String name, String host, int writerPort, int readerPort,
                                       Durability durability) {
        return SandboxClusterConfig.config(Engine.POSTGRES, sandbox.instances(), sandbox.adminUser(),
                sandbox.adminPassword(), sandbox.directory(), name, host, writerPort, readerPort,
                FailoverConfig.defaults(), durability);
    }
}
