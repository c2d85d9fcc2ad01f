package io.auriga.config;

import java.util.List;

/**
 * The whole configuration of one Auriga process: the clusters it fronts, the users it
 * authenticates itself, TLS for client connections, the admin listener and server limits.
 * Built only by {@link ConfigLoader} (or by code such as the demo), always valid.
 */
public record AurigaConfig(
        List<ClusterConfig> clusters,
        List<UserConfig> users,
        TlsConfig tls,
        AdminConfig admin,
        ServerConfig server) {

    public AurigaConfig {
        clusters = List.copyOf(clusters);
        users = List.copyOf(users);
    }
}
