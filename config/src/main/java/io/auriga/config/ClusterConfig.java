package io.auriga.config;

import java.util.List;
import java.util.Optional;

/**
 * A named set of instances of one engine, the endpoints in front of it, its failover policy,
 * when commits are acknowledged ({@link Durability}) and the protocol options of its endpoints
 * ({@link MySqlOptions} for {@code mysql} clusters, {@link PostgresOptions} for {@code postgres} ones; the
 * defaults on the other engine), and whether the proxy reaches the instances over TLS ({@link BackendTlsConfig}).
 */
public record ClusterConfig(
        String name,
        Engine engine,
        List<InstanceConfig> instances,
        Credentials adminCredentials,
        List<EndpointConfig> endpoints,
        FailoverConfig failover,
        Durability durability,
        MySqlOptions mysql,
        PostgresOptions postgres,
        BackendTlsConfig tls) {

    public ClusterConfig {
        instances = List.copyOf(instances);
        endpoints = List.copyOf(endpoints);
        durability = durability == null ? Durability.ASYNC : durability;
        mysql = mysql == null ? MySqlOptions.DEFAULTS : mysql;
        postgres = postgres == null ? PostgresOptions.DEFAULTS : postgres;
        tls = tls == null ? BackendTlsConfig.DISABLED : tls;
    }

    /** A cluster reached without TLS. */
    public ClusterConfig(String name, Engine engine, List<InstanceConfig> instances, Credentials adminCredentials,
                         List<EndpointConfig> endpoints, FailoverConfig failover, Durability durability,
                         MySqlOptions mysql, PostgresOptions postgres) {
        this(name, engine, instances, adminCredentials, endpoints, failover, durability, mysql, postgres,
                BackendTlsConfig.DISABLED);
    }

    /** A cluster with the default PostgreSQL options. */
    public ClusterConfig(String name, Engine engine, List<InstanceConfig> instances, Credentials adminCredentials,
                         List<EndpointConfig> endpoints, FailoverConfig failover, Durability durability,
                         MySqlOptions mysql) {
        this(name, engine, instances, adminCredentials, endpoints, failover, durability, mysql,
                PostgresOptions.DEFAULTS);
    }

    /** A cluster with the default MySQL options. */
    public ClusterConfig(String name, Engine engine, List<InstanceConfig> instances, Credentials adminCredentials,
                         List<EndpointConfig> endpoints, FailoverConfig failover, Durability durability) {
        this(name, engine, instances, adminCredentials, endpoints, failover, durability, MySqlOptions.DEFAULTS);
    }

    /** A cluster with the default durability, {@link Durability#ASYNC}. */
    public ClusterConfig(String name, Engine engine, List<InstanceConfig> instances, Credentials adminCredentials,
                         List<EndpointConfig> endpoints, FailoverConfig failover) {
        this(name, engine, instances, adminCredentials, endpoints, failover, Durability.ASYNC, MySqlOptions.DEFAULTS);
    }

    /** The same cluster with {@code newDurability}. */
    public ClusterConfig withDurability(Durability newDurability) {
        return new ClusterConfig(name, engine, instances, adminCredentials, endpoints, failover, newDurability, mysql,
                postgres, tls);
    }

    /** The same cluster with {@code newEndpoints}. */
    public ClusterConfig withEndpoints(List<EndpointConfig> newEndpoints) {
        return new ClusterConfig(name, engine, instances, adminCredentials, newEndpoints, failover, durability, mysql,
                postgres, tls);
    }

    /** The same cluster with {@code options} for its MySQL endpoints. */
    public ClusterConfig withMySql(MySqlOptions options) {
        return new ClusterConfig(name, engine, instances, adminCredentials, endpoints, failover, durability, options,
                postgres, tls);
    }

    /** The same cluster with {@code options} for its PostgreSQL endpoints. */
    public ClusterConfig withPostgres(PostgresOptions options) {
        return new ClusterConfig(name, engine, instances, adminCredentials, endpoints, failover, durability, mysql,
                options, tls);
    }

    /** The same cluster reached with {@code newTls}. */
    public ClusterConfig withTls(BackendTlsConfig newTls) {
        return new ClusterConfig(name, engine, instances, adminCredentials, endpoints, failover, durability, mysql,
                postgres, newTls);
    }

    public Optional<InstanceConfig> instance(String instanceName) {
        return instances.stream().filter(i -> i.name().equals(instanceName)).findFirst();
    }
}
