package io.auriga.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One mapping of the parsed file with its field path, reading typed values and recording a
 * problem (instead of throwing) for each that is wrong. An accessor that finds a wrong value
 * returns "absent" so reading can go on and find the next problem.
 *
 * <p>The keys a mapping may have are declared when it is wrapped, so unknown keys (typos,
 * mostly) are reported at once, and reading an undeclared key is a bug caught in tests.
 */
final class MapNode {
    private final JsonNode node;
    private final String path;
    private final Problems problems;
    private final List<String> knownKeys;

    private MapNode(JsonNode node, String path, Problems problems, List<String> knownKeys) {
        this.node = node;
        this.path = path;
        this.problems = problems;
        this.knownKeys = knownKeys;
    }

    /** Wraps {@code node}, reporting it if it is not a mapping and each key not in {@code knownKeys}. */
    static Optional<MapNode> of(JsonNode node, String path, Problems problems, List<String> knownKeys) {
        if (node == null || !node.isObject()) {
            problems.add(path, "must be a mapping (key: value pairs), not " + kind(node));
            return Optional.empty();
        }
        MapNode map = new MapNode(node, path, problems, knownKeys);
        map.reportUnknownKeys();
        return Optional.of(map);
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    Problems problems() {
        return problems;
    }

    /** True if {@code key} is present with a value; {@code key:} with nothing after it counts as absent. */
    boolean has(String key) {
        JsonNode value = node.get(known(key));
        return value != null && !value.isNull();
    }

    /** True when {@code key} is present and a list. */
    boolean isList(String key) {
        return has(key) && node.get(known(key)).isArray();
    }

    /** Records a problem about {@code key} of this mapping. */
    void problem(String key, String message) {
        problems.add(path(key), message);
    }

    /** A non-empty scalar, or null if absent or wrong. */
    String text(String key) {
        JsonNode value = scalar(key);
        if (value == null) {
            return null;
        }
        if (value.asText().isBlank()) {
            problem(key, "must not be empty");
            return null;
        }
        return value.asText();
    }

    /** A non-empty scalar, or {@code fallback} if absent or wrong. */
    String text(String key, String fallback) {
        String text = text(key);
        return text == null ? fallback : text;
    }

    /** Like {@link #text} but reports a missing value; {@code hint} is appended, e.g. "(postgres | mysql)". */
    String requiredText(String key, String hint) {
        if (!has(key)) {
            problem(key, hint.isEmpty() ? "is required" : "is required " + hint);
            return null;
        }
        return text(key);
    }

    /** A whole number within {@code min..max}, or null if absent or wrong. */
    Integer integer(String key, int min, int max) {
        JsonNode value = scalar(key);
        if (value == null) {
            return null;
        }
        Long number = wholeNumber(value);
        if (number == null) {
            problem(key, "'" + value.asText() + "' is not a whole number");
            return null;
        }
        if (number < min || number > max) {
            problem(key, number + " is out of range (" + min + ".." + max + ")");
            return null;
        }
        return number.intValue();
    }

    /** A whole number within {@code min..max}, or {@code fallback} if absent or wrong. */
    int integer(String key, int min, int max, int fallback) {
        Integer number = integer(key, min, max);
        return number == null ? fallback : number;
    }

    /** Like {@link #integer(String, int, int)} but reports a missing value. */
    Integer requiredInteger(String key, int min, int max) {
        if (!has(key)) {
            problem(key, "is required");
            return null;
        }
        return integer(key, min, max);
    }

    /** {@code true} or {@code false}; {@code fallback} if absent or wrong. */
    boolean bool(String key, boolean fallback) {
        JsonNode value = scalar(key);
        if (value == null) {
            return fallback;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        String text = value.asText();
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        problem(key, "'" + text + "' is not true or false");
        return fallback;
    }

    /** A duration in {@link Durations} syntax, zero allowed; {@code fallback} if absent or wrong. */
    Duration duration(String key, Duration fallback) {
        JsonNode value = scalar(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Durations.parse(value.asText());
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return fallback;
        }
    }

    /** Like {@link #duration} but zero is refused: an interval or timeout of zero would spin or fail at once. */
    Duration positiveDuration(String key, Duration fallback) {
        Duration value = duration(key, fallback);
        if (value.isZero()) {
            problem(key, "must be greater than 0");
            return fallback;
        }
        return value;
    }

    /** One of the words of {@code choices} (kebab case, as written in the file), or null if absent or wrong. */
    <E> E choice(String key, Map<String, E> choices) {
        JsonNode value = scalar(key);
        if (value == null) {
            return null;
        }
        E choice = choices.get(value.asText());
        if (choice == null) {
            problem(key, "'" + value.asText() + "' is not one of " + String.join(", ", choices.keySet())
                    + Suggestions.hint(value.asText(), choices.keySet()));
        }
        return choice;
    }

    /** Like {@link #choice} but reports a missing value, listing the choices. */
    <E> E requiredChoice(String key, Map<String, E> choices) {
        if (!has(key)) {
            problem(key, "is required (" + String.join(" | ", choices.keySet()) + ")");
            return null;
        }
        return choice(key, choices);
    }

    /**
     * Claims {@code value} of {@code key} for this mapping in {@code owners} (value to owner path),
     * reporting it if another mapping claimed it first: names and ports must be unique.
     */
    <K> void claim(String key, K value, Map<K, String> owners) {
        if (value == null) {
            return;
        }
        String first = owners.putIfAbsent(value, path);
        if (first != null) {
            String shown = value instanceof String ? "'" + value + "'" : String.valueOf(value);
            problem(key, shown + " is already used by " + first);
        }
    }

    /** The words for an enum's constants as the file writes them: ROUND_ROBIN is round-robin. */
    static <E extends Enum<E>> Map<String, E> words(E[] constants) {
        Map<String, E> words = new LinkedHashMap<>();
        for (E constant : constants) {
            words.put(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'), constant);
        }
        return Collections.unmodifiableMap(words);
    }

    /** The elements of a list, empty if absent or not a list. */
    List<JsonNode> list(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonNode value = node.get(key);
        if (!value.isArray()) {
            problem(key, "must be a list, not " + kind(value));
            return List.of();
        }
        List<JsonNode> elements = new ArrayList<>();
        value.elements().forEachRemaining(elements::add);
        return elements;
    }

    /** Like {@link #maps} but an absent or empty list is reported as {@code emptyProblem}. */
    List<MapNode> requiredMaps(String key, List<String> elementKeys, String emptyProblem) {
        JsonNode value = has(key) ? node.get(key) : null;
        if (value == null || value.isArray() && value.isEmpty()) {
            problem(key, emptyProblem);
            return List.of();
        }
        return maps(key, elementKeys);
    }

    /** The mapping elements of a list, each with its path ({@code key[i]}); wrong elements are reported and skipped. */
    List<MapNode> maps(String key, List<String> elementKeys) {
        List<MapNode> maps = new ArrayList<>();
        List<JsonNode> elements = list(key);
        for (int i = 0; i < elements.size(); i++) {
            of(elements.get(i), path(key) + "[" + i + "]", problems, elementKeys).ifPresent(maps::add);
        }
        return maps;
    }

    /** The non-empty scalar elements of a list; wrong elements are reported and skipped. */
    List<String> texts(String key) {
        List<String> texts = new ArrayList<>();
        List<JsonNode> elements = list(key);
        for (int i = 0; i < elements.size(); i++) {
            JsonNode element = elements.get(i);
            if (element.isValueNode() && !element.isNull() && !element.asText().isBlank()) {
                texts.add(element.asText());
            } else {
                problems.add(path(key) + "[" + i + "]", "must be a non-empty name, not " + kind(element));
            }
        }
        return texts;
    }

    /** A nested mapping, empty if absent (or wrong, which is reported). */
    Optional<MapNode> map(String key, List<String> nestedKeys) {
        return has(key) ? of(node.get(key), path(key), problems, nestedKeys) : Optional.empty();
    }

    /** The raw scalar node of {@code key}, or null if absent or (reported) not a scalar. */
    JsonNode scalar(String key) {
        if (!has(key)) {
            return null;
        }
        JsonNode value = node.get(key);
        if (!value.isValueNode()) {
            problem(key, "must be a single value, not " + kind(value));
            return null;
        }
        return value;
    }

    private void reportUnknownKeys() {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!knownKeys.contains(name)) {
                String hint = Suggestions.closest(name, knownKeys)
                        .map(s -> " (did you mean '" + s + "'?)")
                        .orElse(" (expected one of " + String.join(", ", knownKeys) + ")");
                problems.add(path, "unknown field '" + name + "'" + hint);
            }
        }
    }

    private String known(String key) {
        if (!knownKeys.contains(key)) {
            throw new IllegalStateException("'" + key + "' is not declared for " + path);
        }
        return key;
    }

    private static Long wholeNumber(JsonNode value) {
        if (value.isIntegralNumber()) {
            return value.canConvertToLong() ? value.longValue() : null;
        }
        if (value.isTextual()) {
            try {
                return Long.parseLong(value.asText().strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        return "'" + node.asText() + "'";
    }
}
