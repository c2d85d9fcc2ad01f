package io.auriga.mysql.sandbox;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Durability;
import io.auriga.config.EndpointConfig;
import io.auriga.config.EndpointConfig.Balance;
import io.auriga.config.EndpointConfig.EndpointRole;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import java.time.Duration;
import java.util.List;

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
        List<InstanceConfig> instances = sandbox.instances().stream()
                .map(i -> new InstanceConfig(i.name(), i.host(), i.port(), 0, false))
                .toList();
        List<EndpointConfig> endpoints = List.of(
                new EndpointConfig("writer", EndpointRole.WRITER, host, writerPort, Balance.ROUND_ROBIN, null, false,
                        List.of()),
                new EndpointConfig("reader", EndpointRole.READER, host, readerPort, Balance.ROUND_ROBIN,
                        Duration.ofSeconds(10), true, List.of()));
        Credentials admin = new Credentials(sandbox.adminUser(),
                new Secret(sandbox.adminPassword(), "file " + sandbox.directory().resolve("admin.password")));
        return new ClusterConfig(name, Engine.MYSQL, instances, admin, endpoints, failover, durability);
    }
}
