package io.auriga.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the password keys of a mapping into a {@link Secret}: {@code password-env} names an
 * environment variable, {@code password-file} a file (relative to the config file), and an
 * inline {@code password} is accepted for tests and demos but never required.
 */
final class SecretResolver {
    static final String ENV = "password-env";
    static final String FILE = "password-file";
    static final String INLINE = "password";
    static final List<String> PASSWORD_KEYS = List.of(ENV, FILE, INLINE);

    private final Path baseDir;
    private final Map<String, String> env;

    SecretResolver(Path baseDir, Map<String, String> env) {
        this.baseDir = baseDir;
        this.env = env;
    }

    /**
     * The one key of {@code candidates} present in {@code node}. Several is a problem (which
     * should win is a guess); none is a problem only if {@code missingProblem} is not null.
     */
    static Optional<String> single(MapNode node, List<String> candidates, String missingProblem) {
        List<String> present = candidates.stream().filter(node::has).toList();
        if (present.size() > 1) {
            node.problems().add(node.path(), String.join(" and ", present)
                    + (present.size() == 2 ? " are both set" : " are all set") + "; use only one");
            return Optional.empty();
        }
        if (present.isEmpty() && missingProblem != null) {
            node.problems().add(node.path(), missingProblem);
        }
        return present.stream().findFirst();
    }

    /**
     * Resolves the secret under {@code key} (one of {@link #PASSWORD_KEYS}, or another name ending in
     * {@code -env} or {@code -file} such as the admin API's {@code token-env}), or null with a problem recorded.
     */
    Secret resolve(MapNode node, String key) {
        if (key.equals(INLINE)) {
            return inline(node);
        }
        if (key.endsWith("-env")) {
            return fromEnv(node, key);
        }
        if (key.endsWith("-file")) {
            return fromFile(node, key);
        }
        throw new IllegalArgumentException(key);
    }

    private Secret fromEnv(MapNode node, String key) {
        String name = node.text(key);
        if (name == null) {
            return null;
        }
        String value = env.get(name);
        if (value == null) {
            node.problem(key, "environment variable " + name + " is not set");
            return null;
        }
        if (value.isEmpty()) {
            node.problem(key, "environment variable " + name + " is empty");
            return null;
        }
        return new Secret(value, "env " + name);
    }

    private Secret fromFile(MapNode node, String key) {
        String name = node.text(key);
        if (name == null) {
            return null;
        }
        Path file = FileAccess.resolve(baseDir, name);
        Optional<String> unreadable = FileAccess.unreadable(file);
        if (unreadable.isPresent()) {
            node.problem(key, unreadable.get());
            return null;
        }
        try {
            String value = withoutFinalNewline(Files.readString(file));
            if (value.isEmpty()) {
                node.problem(key, file + " is empty");
                return null;
            }
            return new Secret(value, "file " + file);
        } catch (IOException e) {
            node.problem(key, "cannot read " + file + ": " + FileAccess.describe(e));
            return null;
        }
    }

    private static Secret inline(MapNode node) {
        JsonNode value = node.scalar(INLINE);
        if (value == null) {
            return null;
        }
        // YAML would turn 0123 into 83 and yes into true: a password must be written as a string.
        if (!value.isTextual()) {
            node.problem(INLINE, "must be a quoted string, or YAML may change it");
            return null;
        }
        if (value.asText().isEmpty()) {
            node.problem(INLINE, "must not be empty");
            return null;
        }
        return new Secret(value.asText(), "inline");
    }

    // `echo secret > file` adds one newline that is not part of the password; anything else is kept.
    private static String withoutFinalNewline(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }
}
