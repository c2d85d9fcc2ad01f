package io.auriga.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.auriga.config.TlsConfig.TlsMode;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the parsed tree of a configuration file into an {@link AurigaConfig}, recording every
 * problem in {@link Problems}. The result is only meaningful when no problem was recorded.
 */
final class ConfigReader {
    private static final List<String> ROOT_KEYS = List.of("clusters", "users", "tokens", "tls", "admin", "server");
    private static final String VERIFIER = "scram-verifier";
    private static final List<String> USER_SOURCES =
            List.of(SecretResolver.ENV, SecretResolver.FILE, SecretResolver.INLINE, VERIFIER);
    private static final List<String> USER_KEYS = List.of("name", "password-env", "password-file", "password",
            VERIFIER, "token");
    private static final List<String> TLS_KEYS = List.of("mode", "cert", "key");
    private static final List<String> TOKEN_KEYS = List.of("public-key", "max-ttl");
    private static final List<String> ADMIN_KEYS = List.of("host", "port", "auth", "public-read", "allowed-hosts",
            "tls");
    private static final List<String> ADMIN_TLS_KEYS = List.of("cert", "key", "client-ca");
    private static final List<String> ADMIN_AUTH_KEYS = List.of("tokens");
    private static final List<String> ADMIN_TOKEN_KEYS = List.of("token-env", "token-file");
    /** Shorter tokens can be guessed; the demo's have 43 characters. */
    static final int MIN_ADMIN_TOKEN = 16;
    private static final List<String> SERVER_KEYS = List.of("bind", "io-threads", "transport", "startup-timeout",
            "connect-timeout", "max-startup-packet", "user-cache-ttl", "max-connections", "max-startup-per-address",
            "login-throttle");
    private static final List<String> THROTTLE_KEYS = List.of("after-failures", "delay", "max-delay");
    private static final Map<String, TlsMode> TLS_MODES = MapNode.words(TlsMode.values());

    private final Problems problems;
    private final Path baseDir;
    private final SecretResolver secrets;
    /** Every listener port to the field path that claimed it: endpoints of all clusters and admin. */
    private final Map<Integer, String> portOwners = new HashMap<>();

    ConfigReader(Problems problems, Path baseDir, Map<String, String> env) {
        this.problems = problems;
        this.baseDir = baseDir;
        this.secrets = new SecretResolver(baseDir, env);
    }

    /** Reads {@code tree}; null if it is not even a mapping (which is recorded as a problem). */
    AurigaConfig read(JsonNode tree) {
        MapNode root = MapNode.of(tree, "", problems, ROOT_KEYS).orElse(null);
        if (root == null) {
            return null;
        }
        // Server first: endpoints without a host of their own listen on server.bind.
        ServerConfig server = readServer(root);
        List<ClusterConfig> clusters = new ClusterReader(secrets, baseDir, server.bindHost(), portOwners).read(root);
        TokenConfig tokens = readTokens(root);
        List<UserConfig> users = readUsers(root, root.has("tokens"));
        TlsConfig tls = readTls(root);
        AdminConfig admin = readAdmin(root);
        return new AurigaConfig(clusters, users, tls, admin, server, tokens);
    }

    private List<UserConfig> readUsers(MapNode root, boolean tokensConfigured) {
        Map<String, String> names = new HashMap<>();
        List<UserConfig> users = new ArrayList<>();
        for (MapNode node : root.maps("users", USER_KEYS)) {
            users.add(readUser(node, names, tokensConfigured));
        }
        return users;
    }

    // Everyone needs exactly one way to prove who they are. A token user proves it with a token, and
    // its password is what the proxy logs in to the database with: a SCRAM verifier cannot do that.
    private UserConfig readUser(MapNode node, Map<String, String> names, boolean tokensConfigured) {
        String name = node.requiredText("name", "");
        node.claim("name", name, names);
        boolean token = node.bool("token", false);
        String missing = token
                ? "needs one of password-env, password-file or password with token: true (the database password "
                        + "the proxy logs in with on the user's behalf)"
                : "needs one of password-env, password-file, password or scram-verifier (or token: true)";
        Optional<String> source = SecretResolver.single(node, USER_SOURCES, missing);
        Secret password = null;
        String verifier = null;
        if (token && source.filter(VERIFIER::equals).isPresent()) {
            node.problem(VERIFIER, "cannot go with token: true: the proxy needs the database password to log in "
                    + "on the user's behalf (password-env, password-file or password)");
        } else if (source.filter(VERIFIER::equals).isPresent()) {
            verifier = readVerifier(node);
        } else if (source.isPresent()) {
            password = secrets.resolve(node, source.get());
        }
        if (token && !tokensConfigured) {
            node.problem("token", "needs a top-level tokens block with the public-key that checks tokens");
        }
        return new UserConfig(name, password, verifier, token);
    }

    // One public key, or several while tokens signed with an old key are still in use: a key is
    // rotated by listing the new one, issuing with it, and removing the old one once its tokens expired.
    private TokenConfig readTokens(MapNode root) {
        MapNode node = root.map("tokens", TOKEN_KEYS).orElse(null);
        if (node == null) {
            return null;
        }
        Duration maxTtl = node.positiveDuration("max-ttl", TokenConfig.DEFAULT_MAX_TTL);
        List<String> texts;
        if (node.isList("public-key")) {
            texts = node.texts("public-key");
            if (texts.isEmpty()) {
                node.problem("public-key", "lists no key");
            }
        } else {
            String text = node.requiredText("public-key", "to check tokens");
            texts = text == null ? List.of() : List.of(text);
        }
        List<Path> files = new ArrayList<>();
        List<PublicKey> keys = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String key = node.isList("public-key") ? "public-key[" + i + "]" : "public-key";
            Path file = FileAccess.resolve(baseDir, texts.get(i));
            Optional<String> unreadable = FileAccess.unreadable(file);
            try {
                if (unreadable.isPresent()) {
                    throw new java.io.IOException(unreadable.get());
                }
                keys.add(TokenKeys.readPublic(file));
                files.add(file);
            } catch (java.io.IOException e) {
                problems.add(node.path(key), e.getMessage());
            }
        }
        return keys.isEmpty() || keys.size() != texts.size() ? null : new TokenConfig(files, keys, maxTtl);
    }

    private static String readVerifier(MapNode node) {
        String verifier = node.text(VERIFIER);
        if (verifier == null) {
            return null;
        }
        Optional<String> problem = ScramVerifierFormat.problem(verifier);
        problem.ifPresent(p -> node.problem(VERIFIER, p));
        return problem.isPresent() ? null : verifier.strip();
    }

    private TlsConfig readTls(MapNode root) {
        MapNode node = root.map("tls", TLS_KEYS).orElse(null);
        if (node == null) {
            return TlsConfig.disabled();
        }
        TlsMode mode = node.requiredChoice("mode", TLS_MODES);
        if (mode == null || mode == TlsMode.DISABLED) {
            return TlsConfig.disabled();
        }
        String when = "when mode is " + mode.name().toLowerCase(Locale.ROOT);
        return new TlsConfig(mode, FileAccess.requiredReadable(node, "cert", when, baseDir),
                FileAccess.requiredReadable(node, "key", when, baseDir));
    }


    private AdminConfig readAdmin(MapNode root) {
        AdminConfig defaults = AdminConfig.defaults();
        MapNode node = root.map("admin", ADMIN_KEYS).orElse(null);
        if (node == null || !node.has("port")) {
            claimDefaultAdminPort(defaults.port());
        }
        if (node == null) {
            return defaults;
        }
        Integer port = node.integer("port", 0, 65_535);
        // Port 0 disables the admin listener, so it cannot collide with anything.
        if (port != null && port != 0) {
            node.claim("port", port, portOwners);
        }
        String host = node.text("host", defaults.host());
        List<Secret> tokens = readAdminTokens(node);
        MapNode tlsNode = node.map("tls", ADMIN_TLS_KEYS).orElse(null);
        AdminConfig admin = new AdminConfig(host, port == null ? defaults.port() : port, tokens,
                node.bool("public-read", false), node.texts("allowed-hosts"),
                tlsNode == null ? null : readAdminTls(tlsNode));
        // Without credentials anyone who can reach the port reads the topology; only loopback limits who that is.
        boolean credentialsMeant = node.has("auth") || tlsNode != null && tlsNode.has("client-ca");
        if (admin.port() != 0 && !admin.authenticated() && !credentialsMeant && !AdminConfig.loopback(host)) {
            node.problem("host", host + " is not a loopback address: set admin.auth.tokens or admin.tls.client-ca "
                    + "so that only token or certificate holders can use the admin API, or listen on 127.0.0.1");
        }
        return admin;
    }

    /**
     * {@code admin.tls}: the listener's certificate and key, which make it speak HTTPS only, and the
     * authorities whose client certificates authenticate a request. Client certificates travel only
     * in a TLS handshake, so {@code client-ca} alone is incomplete rather than a plain-HTTP option.
     */
    private AdminTlsConfig readAdminTls(MapNode node) {
        String when = node.has("client-ca")
                ? "(with admin.tls the listener speaks HTTPS only, and asks for client certificates in its TLS "
                        + "handshake)"
                : "(with admin.tls the listener speaks HTTPS only)";
        Path cert = FileAccess.requiredReadable(node, "cert", when, baseDir);
        Path key = FileAccess.requiredReadable(node, "key", when, baseDir);
        String caText = node.text("client-ca");
        Path clientCa = caText == null ? null : FileAccess.resolve(baseDir, caText);
        if (clientCa != null) {
            FileAccess.unreadable(clientCa).or(() -> CertificateFiles.problem(clientCa))
                    .ifPresent(p -> node.problem("client-ca", p));
        }
        return cert == null || key == null ? null : new AdminTlsConfig(cert, key, clientCa);
    }

    // Tokens come from the environment or a file, never inline: the config file is often world-readable.
    private List<Secret> readAdminTokens(MapNode admin) {
        MapNode auth = admin.map("auth", ADMIN_AUTH_KEYS).orElse(null);
        if (auth == null) {
            return List.of();
        }
        List<Secret> tokens = new ArrayList<>();
        for (MapNode token : auth.requiredMaps("tokens", ADMIN_TOKEN_KEYS, "lists no token: give token-env or token-file")) {
            Optional<String> key = SecretResolver.single(token, ADMIN_TOKEN_KEYS, "needs token-env or token-file");
            Secret secret = key.map(k -> secrets.resolve(token, k)).orElse(null);
            if (secret != null && secret.reveal().strip().length() < MIN_ADMIN_TOKEN) {
                token.problem(key.get(), "the token from " + secret.source() + " is shorter than " + MIN_ADMIN_TOKEN
                        + " characters (auriga demo writes one with: head -c 32 /dev/urandom | base64)");
            } else if (secret != null) {
                tokens.add(new Secret(secret.reveal().strip(), secret.source()));
            }
        }
        return tokens;
    }

    // The operator never wrote this port, so say where it comes from and how to move it.
    private void claimDefaultAdminPort(int port) {
        String first = portOwners.putIfAbsent(port, "admin");
        if (first != null) {
            problems.add("admin.port", port + " (the default) is already used by " + first
                    + "; set admin.port to another port, or 0 to disable the admin listener");
        }
    }

    private static final Map<String, IoTransport> TRANSPORTS = MapNode.words(IoTransport.values());

    private static ServerConfig readServer(MapNode root) {
        ServerConfig defaults = ServerConfig.defaults();
        MapNode node = root.map("server", SERVER_KEYS).orElse(null);
        if (node == null) {
            return defaults;
        }
        Duration startupTimeout = node.positiveDuration("startup-timeout", defaults.startupTimeout());
        return new ServerConfig(
                node.text("bind", defaults.bindHost()),
                node.integer("io-threads", 0, 1024, defaults.ioThreads()),
                Optional.ofNullable(node.choice("transport", TRANSPORTS)).orElse(defaults.transport()),
                startupTimeout,
                node.positiveDuration("connect-timeout", defaults.connectTimeout()),
                // Read before authentication: bounded so a stranger cannot make us buffer much.
                node.integer("max-startup-packet", 1024, 1 << 20, defaults.maxStartupPacket()),
                node.duration("user-cache-ttl", defaults.userCacheTtl()),
                node.integer("max-connections", 1, 1_000_000, defaults.maxConnections()),
                node.integer("max-startup-per-address", 1, 1_000_000, defaults.maxStartupPerAddress()),
                node.map("login-throttle", THROTTLE_KEYS).map(t -> readThrottle(t, startupTimeout))
                        .orElse(defaults.loginThrottle()));
    }

    /** {@code server.login-throttle}; a held login must still be able to finish within the startup timeout. */
    private static LoginThrottleConfig readThrottle(MapNode node, Duration startupTimeout) {
        LoginThrottleConfig defaults = LoginThrottleConfig.DEFAULTS;
        int after = node.integer("after-failures", 1, 1000, defaults.afterFailures());
        Duration maxDelay = node.duration("max-delay", defaults.maxDelay());
        if (maxDelay.isZero()) {
            return LoginThrottleConfig.OFF;
        }
        Duration delay = node.positiveDuration("delay", defaults.delay().compareTo(maxDelay) > 0 ? maxDelay
                : defaults.delay());
        if (delay.compareTo(maxDelay) > 0) {
            node.problem("delay", Durations.format(delay) + " is longer than max-delay " + Durations.format(maxDelay));
        }
        if (maxDelay.compareTo(startupTimeout) >= 0) {
            node.problem("max-delay", Durations.format(maxDelay) + " must be shorter than server.startup-timeout "
                    + Durations.format(startupTimeout) + ", or a held login could never finish (0s turns the "
                    + "throttle off)");
        }
        return new LoginThrottleConfig(after, delay, maxDelay);
    }
}
