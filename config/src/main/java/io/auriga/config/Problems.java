package io.auriga.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The problems found so far while reading one file. Reading never stops at the first problem:
 * an operator fixing a file wants the whole list in one go.
 */
final class Problems {
    private final List<String> messages = new ArrayList<>();

    /** Records {@code message} about the field at {@code path} ("clusters[0].port"); an empty path is the top level. */
    void add(String path, String message) {
        messages.add((path.isEmpty() ? "top level" : path) + ": " + message);
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    List<String> list() {
        return List.copyOf(messages);
    }
}
