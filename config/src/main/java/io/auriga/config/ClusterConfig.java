package io.auriga.config;

import java.util.List;
import java.util.Optional;

/** A named set of instances of one engine, the endpoints in front of it and its failover policy. */
public record ClusterConfig(
        String name,
        Engine engine,
        List<InstanceConfig> instances,
        Credentials adminCredentials,
        List<EndpointConfig> endpoints,
        FailoverConfig failover) {

    public ClusterConfig {
        instances = List.copyOf(instances);
        endpoints = List.copyOf(endpoints);
    }

    public Optional<InstanceConfig> instance(String instanceName) {
        return instances.stream().filter(i -> i.name().equals(instanceName)).findFirst();
    }
}
