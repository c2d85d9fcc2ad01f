package io.auriga.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the files a configuration refers to and words failures the way an operator expects ("No such file"). */
final class FileAccess {
    private FileAccess() {
    }

    /** {@code text} as a path, relative to {@code baseDir} (the config file's directory) unless absolute. */
    static Path resolve(Path baseDir, String text) {
        Path path = Path.of(text);
        if (path.isAbsolute() || baseDir == null) {
            return path.toAbsolutePath().normalize();
        }
        return baseDir.resolve(path).toAbsolutePath().normalize();
    }

    /**
     * The required file named by {@code key} of {@code node}, resolved against {@code baseDir}; a missing
     * key or an unreadable file is recorded as a problem of that key ({@code when}: why it is required).
     */
    static Path requiredReadable(MapNode node, String key, String when, Path baseDir) {
        String text = node.requiredText(key, when);
        if (text == null) {
            return null;
        }
        Path file = resolve(baseDir, text);
        unreadable(file).ifPresent(problem -> node.problem(key, problem));
        return file;
    }

    /** Why {@code file} cannot be read ("cannot read /x: No such file"), or empty if it can. */
    static Optional<String> unreadable(Path file) {
        if (Files.isDirectory(file)) {
            return Optional.of("cannot read " + file + ": is a directory");
        }
        try {
            // Opening is the only honest test: permission bits do not tell about ACLs or mounts.
            Files.newInputStream(file).close();
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot read " + file + ": " + describe(e));
        }
    }

    /** The short reason of an I/O failure, without the stack-trace style class names. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
