package io.auriga.sandbox;

/**
 * Thrown when a sandbox cannot provision, start, stop or signal a database instance.
 * The message names what was attempted and, for external commands, ends with the tail of
 * their output, so a failing test or demo explains itself without digging through logs.
 */
public final class SandboxException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
