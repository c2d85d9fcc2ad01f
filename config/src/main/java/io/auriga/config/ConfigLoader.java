package io.auriga.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Loads and validates an Auriga configuration file (YAML, keys in kebab case, see DESIGN.md).
 * This is the only class that knows the file is YAML; the rest of the reading works on the
 * parsed tree. A file is either fully valid or refused with a {@link ConfigException} that
 * lists every problem, each naming the field ({@code clusters[0].endpoints[1].port}) and what
 * is wrong, so an operator can fix them all in one pass before anything listens.
 */
public final class ConfigLoader {
    // Duplicate keys are refused: with "last one wins" a stray second `port:` would go unnoticed.
    // YAML 1.1 words (yes, no, on, off) stay text: `mode: on` must be reported as written, not as
    // 'true', and only true/false are booleans, so a boolean is never written by accident.
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            .build();

    private ConfigLoader() {
    }

    /**
     * Loads {@code file}. Secrets come from the process environment, and relative paths
     * ({@code password-file}, {@code tls.cert}) are relative to the file's directory.
     */
    public static AurigaConfig load(Path file) throws ConfigException {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read the file: " + FileAccess.describe(e)));
        }
        return parse(yaml, file.toString(), file.toAbsolutePath().getParent(), System.getenv());
    }

    /**
     * Parses and validates {@code yaml}.
     *
     * @param sourceName how problems name the file, usually its path
     * @param baseDir    directory relative file paths are resolved against; null for the working directory
     * @param env        environment variables for {@code password-env}
     * @throws ConfigException listing every problem found, the message starting with {@code sourceName}
     */
    public static AurigaConfig parse(String yaml, String sourceName, Path baseDir, Map<String, String> env)
            throws ConfigException {
        JsonNode tree = readTree(yaml, sourceName);
        Problems problems = new Problems();
        AurigaConfig config = new ConfigReader(problems, baseDir, env).read(tree);
        if (!problems.isEmpty()) {
            throw new ConfigException(sourceName, problems.list());
        }
        return config;
    }

    private static JsonNode readTree(String yaml, String sourceName) throws ConfigException {
        try {
            JsonNode tree = YAML.readTree(yaml);
            // An empty file is a mapping with no sections, reported as a missing clusters list.
            return tree == null || tree.isMissingNode() || tree.isNull() ? JsonNodeFactory.instance.objectNode() : tree;
        } catch (JsonProcessingException e) {
            throw new ConfigException(sourceName, List.of(syntaxProblem(e)));
        }
    }

    private static String syntaxProblem(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            return markedProblem(marked);
        }
        JsonLocation where = e.getLocation();
        String problem = "not valid YAML: " + e.getOriginalMessage().strip().lines().findFirst().orElse("");
        if (where == null || where.getLineNr() < 1) {
            return problem;
        }
        return "line " + where.getLineNr() + ", column " + where.getColumnNr() + ": " + problem;
    }

    // The YAML parser's own message spans several lines with source excerpts; one line reads better
    // in the problem list. Its marks are exact where the parser's stream location can lag behind.
    private static String markedProblem(MarkedYAMLException marked) {
        Mark at = marked.getProblemMark();
        StringBuilder text = new StringBuilder()
                .append("line ").append(at.getLine() + 1).append(", column ").append(at.getColumn() + 1)
                .append(": not valid YAML: ").append(marked.getProblem());
        Mark context = marked.getContextMark();
        if (context != null && marked.getContext() != null && context.getLine() != at.getLine()) {
            text.append(" (").append(marked.getContext()).append(" at line ").append(context.getLine() + 1)
                    .append(")");
        }
        if (marked.getProblem().contains("<block")) {
            text.append("; check the indentation");
        }
        return text.toString();
    }
}
