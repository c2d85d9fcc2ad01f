package io.auriga.config;

import java.util.List;

/**
 * The whole configuration of one Auriga process: the clusters it fronts, the users it
 * authenticates itself, TLS for client connections, the admin listener, server limits and how login
 * tokens are checked ({@code tokens}, null when no user logs in with one).
 * Built only by {@link ConfigLoader} (or by code such as the demo), always valid.
 */
public record AurigaConfig(
        List<ClusterConfig> clusters,
        List<UserConfig> users,
        TlsConfig tls,
        AdminConfig admin,
        ServerConfig server,
        TokenConfig tokens) {

    public AurigaConfig {
        clusters = List.copyOf(clusters);
        users = List.copyOf(users);
    }

    /** A configuration without login tokens. */
    public AurigaConfig(List<ClusterConfig> clusters, List<UserConfig> users, TlsConfig tls, AdminConfig admin,
                        ServerConfig server) {
        this(clusters, users, tls, admin, server, null);
    }
}
