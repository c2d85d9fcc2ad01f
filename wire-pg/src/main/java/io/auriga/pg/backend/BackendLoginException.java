package io.auriga.pg.backend;

/**
 * Logging in to a backend failed. When the backend itself refused (an ErrorResponse such as
 * "database does not exist"), {@code errorResponse} holds that whole message so the client
 * receives it untouched; otherwise it is null and the message explains.
 */
public final class BackendLoginException extends Exception {
    private final transient byte[] errorResponse;

    public BackendLoginException(String message, byte[] errorResponse) {
        super(message);
        this.errorResponse = errorResponse;
    }

    public BackendLoginException(String message, Throwable cause) {
        super(message, cause);
        this.errorResponse = null;
    }

    public byte[] errorResponse() {
        return errorResponse;
    }
}
