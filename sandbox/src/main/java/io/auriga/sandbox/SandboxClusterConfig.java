package io.auriga.sandbox;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Durability;
import io.auriga.config.EndpointConfig.Balance;
import io.auriga.config.EndpointConfig.EndpointRole;
import io.auriga.config.EndpointConfig;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The cluster configuration that puts a writer and a reader endpoint in front of a sandbox of
 * either engine: every instance with priority 0, round-robin endpoints, the reader tolerating ten
 * seconds of lag and falling back to the primary, and the sandbox's admin account.
 */
public final class SandboxClusterConfig {

    private static final Duration READER_MAX_LAG = Duration.ofSeconds(10);

    private SandboxClusterConfig() {
    }

    /** Each instance as configured for the proxy: priority 0, not hidden. */
    public static List<InstanceConfig> instances(List<? extends SandboxInstance> instances) {
        return instances.stream().map(i -> new InstanceConfig(i.name(), i.host(), i.port(), 0, false)).toList();
    }

    /**
     * @param sandboxDir    the sandbox directory, whose {@link SandboxDirectory#ADMIN_PASSWORD_FILE} the
     *                      admin secret is said to come from
     * @param writerPort    port of the writer endpoint (0 picks a free one)
     * @param readerPort    port of the reader endpoint (0 picks a free one)
     */
    public static ClusterConfig config(Engine engine, List<? extends SandboxInstance> instances, String adminUser,
            String adminPassword, Path sandboxDir, String name, String host, int writerPort, int readerPort,
            FailoverConfig failover, Durability durability) {
        List<EndpointConfig> endpoints = List.of(
                new EndpointConfig("writer", EndpointRole.WRITER, host, writerPort, Balance.ROUND_ROBIN, null, false,
                        List.of()),
                new EndpointConfig("reader", EndpointRole.READER, host, readerPort, Balance.ROUND_ROBIN,
                        READER_MAX_LAG, true, List.of()));
        Credentials admin = new Credentials(adminUser,
                new Secret(adminPassword, "file " + sandboxDir.resolve(SandboxDirectory.ADMIN_PASSWORD_FILE)));
        return new ClusterConfig(name, engine, instances(instances), admin, endpoints, failover, durability);
    }
}
