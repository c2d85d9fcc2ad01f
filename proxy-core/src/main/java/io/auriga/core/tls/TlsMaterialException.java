package io.auriga.core.tls;

import java.nio.file.Path;

/**
 * A certificate or key file that cannot be used. The message always starts with the file, so
 * an operator reading a startup failure knows which path in the configuration to fix.
 */
public final class TlsMaterialException extends RuntimeException {
    private final transient Path file;

    public TlsMaterialException(Path file, String problem) {
        this(file, problem, null);
    }

    public TlsMaterialException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that is missing, unreadable or wrong. */
    public Path file() {
        return file;
    }
}
