package io.auriga.config;

import java.util.List;
import java.util.Optional;

/**
 * A named set of instances of one engine, the endpoints in front of it, its failover policy and
 * when commits are acknowledged ({@link Durability}).
 */
public record ClusterConfig(
        String name,
        Engine engine,
        List<InstanceConfig> instances,
        Credentials adminCredentials,
        List<EndpointConfig> endpoints,
        FailoverConfig failover,
        Durability durability) {

    public ClusterConfig {
        instances = List.copyOf(instances);
        endpoints = List.copyOf(endpoints);
        durability = durability == null ? Durability.ASYNC : durability;
    }

    /** A cluster with the default durability, {@link Durability#ASYNC}. */
    public ClusterConfig(String name, Engine engine, List<InstanceConfig> instances, Credentials adminCredentials,
                         List<EndpointConfig> endpoints, FailoverConfig failover) {
        this(name, engine, instances, adminCredentials, endpoints, failover, Durability.ASYNC);
    }

    /** The same cluster with {@code newDurability}. */
    public ClusterConfig withDurability(Durability newDurability) {
        return new ClusterConfig(name, engine, instances, adminCredentials, endpoints, failover, newDurability);
    }

    public Optional<InstanceConfig> instance(String instanceName) {
        return instances.stream().filter(i -> i.name().equals(instanceName)).findFirst();
    }
}
