package io.auriga.config;

import io.auriga.config.EndpointConfig.Balance;
import io.auriga.config.EndpointConfig.EndpointRole;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code clusters} section: instances, admin credentials, endpoints and failover of each cluster. */
final class ClusterReader {
    static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(10);
    /** Tiers as in Aurora: 0 is promoted first. */
    static final int MAX_PROMOTION_TIER = 15;

    private static final List<String> CLUSTER_KEYS =
            List.of("name", "engine", "instances", "admin-credentials", "endpoints", "failover", "durability", "mysql",
                    "postgres", "tls");
    private static final List<String> INSTANCE_KEYS = List.of("name", "host", "port", "promotion-tier", "no-failover");
    private static final List<String> CREDENTIAL_KEYS = List.of("user", "password-env", "password-file", "password");
    private static final List<String> ENDPOINT_KEYS =
            List.of("name", "role", "host", "port", "balance", "max-lag", "fallback-to-writer", "instances");
    private static final List<String> FAILOVER_KEYS =
            List.of("auto", "probe-interval", "failure-threshold", "probe-timeout", "failover-timeout",
                    "switchover-drain", "rejoin-command", "rejoin-timeout");
    private static final List<String> MYSQL_KEYS = List.of("local-infile", "auth-plugin", "pool-size",
            "pool-idle-timeout");
    private static final List<String> POSTGRES_KEYS = List.of("pool-size", "pool-idle-timeout");
    private static final List<String> TLS_KEYS = List.of("mode", "ca");
    private static final Map<String, BackendTlsConfig.Mode> TLS_MODES = MapNode.words(BackendTlsConfig.Mode.values());

    private static final Map<String, Engine> ENGINES = engines();
    private static final Map<String, EndpointRole> ROLES = MapNode.words(EndpointRole.values());
    private static final Map<String, Balance> BALANCES = MapNode.words(Balance.values());
    private static final Map<String, Durability> DURABILITIES = MapNode.words(Durability.values());
    private static final Map<String, MySqlOptions.AuthPlugin> AUTH_PLUGINS = MySqlOptions.AuthPlugin.byWireName();

    private final SecretResolver secrets;
    private final Path baseDir;
    private final String defaultHost;
    private final Map<Integer, String> portOwners;

    /**
     * @param baseDir     what relative file names are resolved against (the configuration file's directory)
     * @param defaultHost endpoint address when an endpoint names none ({@code server.bind})
     * @param portOwners  listener ports already claimed, shared with the admin listener
     */
    ClusterReader(SecretResolver secrets, Path baseDir, String defaultHost, Map<Integer, String> portOwners) {
        this.secrets = secrets;
        this.baseDir = baseDir;
        this.defaultHost = defaultHost;
        this.portOwners = portOwners;
    }

    List<ClusterConfig> read(MapNode root) {
        Map<String, String> names = new HashMap<>();
        List<ClusterConfig> clusters = new ArrayList<>();
        for (MapNode node : root.requiredMaps("clusters", CLUSTER_KEYS, "at least one cluster is required")) {
            clusters.add(readCluster(node, names));
        }
        return clusters;
    }

    private ClusterConfig readCluster(MapNode node, Map<String, String> clusterNames) {
        String name = node.requiredText("name", "");
        node.claim("name", name, clusterNames);
        Engine engine = node.requiredChoice("engine", ENGINES);
        List<InstanceConfig> instances = readInstances(node, engine);
        Credentials credentials = readCredentials(node);
        List<EndpointConfig> endpoints = readEndpoints(node, name, instances);
        Durability durability = readDurability(node, instances);
        return new ClusterConfig(name, engine, instances, credentials, endpoints, readFailover(node), durability,
                readMySql(node, engine), readPostgres(node, engine), readTls(node));
    }

    /**
     * The {@code tls} block: how the proxy reaches the instances. {@code verify-full} needs the
     * authority's certificate; a {@code ca} with a mode that verifies nothing would give a false sense
     * of safety and is refused.
     */
    private BackendTlsConfig readTls(MapNode cluster) {
        MapNode node = cluster.map("tls", TLS_KEYS).orElse(null);
        if (node == null) {
            return BackendTlsConfig.DISABLED;
        }
        BackendTlsConfig.Mode mode = node.requiredChoice("mode", TLS_MODES);
        if (mode == null) {
            return BackendTlsConfig.DISABLED;
        }
        Path ca = null;
        if (mode == BackendTlsConfig.Mode.VERIFY_FULL) {
            ca = FileAccess.requiredReadable(node, "ca", "when mode is verify-full", baseDir);
        } else if (node.has("ca")) {
            node.problem("ca", "is used only with mode: verify-full; with " + mode.configName()
                    + " no certificate is verified");
        }
        return new BackendTlsConfig(mode, ca);
    }


    /** The {@code postgres} options. */
    private static PostgresOptions readPostgres(MapNode cluster, Engine engine) {
        MapNode node = engineOptions(cluster, Engine.POSTGRES, engine, POSTGRES_KEYS);
        if (node == null) {
            return PostgresOptions.DEFAULTS;
        }
        PostgresOptions defaults = PostgresOptions.DEFAULTS;
        return new PostgresOptions(node.integer("pool-size", 0, 10_000, defaults.poolSize()),
                node.positiveDuration("pool-idle-timeout", defaults.poolIdleTimeout()));
    }

    /**
     * The block of options named after {@code owner} ({@code mysql}, {@code postgres}), or null when it
     * is absent, not a map, or on a cluster of another engine, where it would silently do nothing and
     * is refused.
     */
    private static MapNode engineOptions(MapNode cluster, Engine owner, Engine engine, List<String> keys) {
        String key = owner.configName();
        if (!cluster.has(key)) {
            return null;
        }
        if (engine != null && engine != owner) {
            cluster.problem(key, "applies only to clusters with engine: " + key + ", not " + engine.configName());
            return null;
        }
        return cluster.map(key, keys).orElse(null);
    }

    /** The {@code mysql} options. */
    private static MySqlOptions readMySql(MapNode cluster, Engine engine) {
        MapNode node = engineOptions(cluster, Engine.MYSQL, engine, MYSQL_KEYS);
        if (node == null) {
            return MySqlOptions.DEFAULTS;
        }
        MySqlOptions defaults = MySqlOptions.DEFAULTS;
        return new MySqlOptions(node.bool("local-infile", defaults.localInfile()),
                Optional.ofNullable(node.choice("auth-plugin", AUTH_PLUGINS)).orElse(defaults.authPlugin()),
                node.integer("pool-size", 0, 10_000, defaults.poolSize()),
                node.positiveDuration("pool-idle-timeout", defaults.poolIdleTimeout()));
    }

    /**
     * Quorum needs a replica that may acknowledge commits whichever instance is primary: replicas marked
     * {@code no-failover} never acknowledge (a commit only they hold would be lost by the next failover),
     * so at least two instances must be eligible for promotion.
     */
    private static Durability readDurability(MapNode cluster, List<InstanceConfig> instances) {
        Durability durability = Optional.ofNullable(cluster.choice("durability", DURABILITIES))
                .orElse(Durability.ASYNC);
        long promotable = instances.stream().filter(i -> !i.noFailover()).count();
        if (durability == Durability.QUORUM && promotable < 2) {
            cluster.problem("durability", "quorum needs at least two instances without no-failover (a primary and "
                    + "a replica to acknowledge its commits), not " + promotable);
        }
        return durability;
    }

    private List<InstanceConfig> readInstances(MapNode cluster, Engine engine) {
        // Without a valid engine there is no default port; the engine problem is already reported.
        int defaultPort = engine == null ? 0 : engine.defaultPort();
        Map<String, String> names = new HashMap<>();
        List<InstanceConfig> instances = new ArrayList<>();
        for (MapNode node : cluster.requiredMaps("instances", INSTANCE_KEYS, "at least one instance is required")) {
            String name = node.requiredText("name", "");
            node.claim("name", name, names);
            instances.add(new InstanceConfig(
                    name,
                    node.requiredText("host", ""),
                    node.integer("port", 1, 65_535, defaultPort),
                    node.integer("promotion-tier", 0, MAX_PROMOTION_TIER, 0),
                    node.bool("no-failover", false)));
        }
        return instances;
    }

    // The monitor logs in with these to observe roles and read verifiers, so they are mandatory.
    private Credentials readCredentials(MapNode cluster) {
        if (!cluster.has("admin-credentials")) {
            cluster.problem("admin-credentials", "is required (user and one of password-env, password-file, password)");
            return null;
        }
        MapNode node = cluster.map("admin-credentials", CREDENTIAL_KEYS).orElse(null);
        if (node == null) {
            return null;
        }
        String user = node.requiredText("user", "");
        Secret password = SecretResolver.single(node, SecretResolver.PASSWORD_KEYS,
                        "needs one of password-env, password-file, password")
                .map(key -> secrets.resolve(node, key))
                .orElse(null);
        return new Credentials(user, password);
    }

    private List<EndpointConfig> readEndpoints(MapNode cluster, String clusterName, List<InstanceConfig> instances) {
        Set<String> instanceNames = new HashSet<>();
        instances.forEach(i -> instanceNames.add(i.name()));
        Map<String, String> names = new HashMap<>();
        List<EndpointConfig> endpoints = new ArrayList<>();
        for (MapNode node : cluster.maps("endpoints", ENDPOINT_KEYS)) {
            endpoints.add(readEndpoint(node, names, clusterName, instanceNames));
        }
        return endpoints;
    }

    private EndpointConfig readEndpoint(MapNode node, Map<String, String> names, String clusterName,
                                        Set<String> instanceNames) {
        String name = node.requiredText("name", "");
        node.claim("name", name, names);
        EndpointRole role = node.requiredChoice("role", ROLES);
        Integer port = node.requiredInteger("port", 1, 65_535);
        node.claim("port", port, portOwners);
        List<String> members = node.texts("instances");
        if (role != null) {
            checkMembers(node, role, members);
            checkMembersExist(node, members, clusterName, instanceNames);
        }
        return new EndpointConfig(
                name,
                role,
                node.text("host", defaultHost),
                port == null ? 0 : port,
                Optional.ofNullable(node.choice("balance", BALANCES)).orElse(Balance.ROUND_ROBIN),
                node.duration("max-lag", DEFAULT_MAX_LAG),
                node.bool("fallback-to-writer", false),
                members);
    }

    // Writer and reader endpoints follow the observed roles; a fixed list would silently be ignored.
    private static void checkMembers(MapNode endpoint, EndpointRole role, List<String> members) {
        switch (role) {
            case WRITER, READER -> {
                if (endpoint.has("instances")) {
                    endpoint.problem("instances", "a " + role.name().toLowerCase(Locale.ROOT) + " endpoint follows the "
                            + "observed roles and takes no instances (use role: custom for a fixed set)");
                }
            }
            case CUSTOM -> {
                if (members.isEmpty()) {
                    endpoint.problem("instances", "a custom endpoint needs a non-empty list of instances");
                }
            }
            case INSTANCE -> {
                if (members.size() != 1) {
                    endpoint.problem("instances",
                            "an instance endpoint needs exactly one instance, not " + members.size());
                }
            }
        }
    }

    private static void checkMembersExist(MapNode endpoint, List<String> members, String clusterName,
                                          Set<String> instanceNames) {
        Set<String> seen = new HashSet<>();
        for (String member : members) {
            if (!instanceNames.contains(member)) {
                endpoint.problem("instances", "no instance named '" + member + "' in cluster '" + clusterName + "'"
                        + Suggestions.hint(member, instanceNames));
            } else if (!seen.add(member)) {
                endpoint.problem("instances", "'" + member + "' is listed twice");
            }
        }
    }

    private static FailoverConfig readFailover(MapNode cluster) {
        FailoverConfig defaults = FailoverConfig.defaults();
        MapNode node = cluster.map("failover", FAILOVER_KEYS).orElse(null);
        if (node == null) {
            return defaults;
        }
        return new FailoverConfig(
                node.bool("auto", defaults.auto()),
                node.positiveDuration("probe-interval", defaults.probeInterval()),
                node.integer("failure-threshold", 1, 1000, defaults.failureThreshold()),
                node.positiveDuration("probe-timeout", defaults.probeTimeout()),
                node.positiveDuration("failover-timeout", defaults.failoverTimeout()),
                node.positiveDuration("switchover-drain", defaults.switchoverDrain()),
                node.text("rejoin-command"),
                node.positiveDuration("rejoin-timeout", defaults.rejoinTimeout()));
    }

    private static Map<String, Engine> engines() {
        Map<String, Engine> engines = new LinkedHashMap<>();
        for (Engine engine : Engine.values()) {
            engines.put(engine.configName(), engine);
        }
        return Collections.unmodifiableMap(engines);
    }
}
