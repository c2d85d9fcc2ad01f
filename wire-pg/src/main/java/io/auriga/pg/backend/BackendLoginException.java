package io.auriga.pg.backend;

/**
 * Logging in to a backend failed. When the backend itself refused (an ErrorResponse such as
 * "database does not exist"), {@code errorResponse} holds that whole message so the client
 * receives it untouched; otherwise it is null and the message explains. A login the proxy cannot
 * answer ({@link #cannotAuthenticate}: the instance asks for a method the user's stored password
 * does not serve) fails the same way on every try, so it is not worth trying again.
 */
public final class BackendLoginException extends Exception {
    private final transient byte[] errorResponse;
    private final boolean cannotAuthenticate;

    public BackendLoginException(String message, byte[] errorResponse) {
        super(message);
        this.errorResponse = errorResponse;
        this.cannotAuthenticate = false;
    }

    public BackendLoginException(String message, Throwable cause) {
        super(message, cause);
        this.errorResponse = null;
        this.cannotAuthenticate = false;
    }

    private BackendLoginException(String message) {
        super(message);
        this.errorResponse = null;
        this.cannotAuthenticate = true;
    }

    /** The instance asks for an authentication the proxy cannot give for this user. */
    public static BackendLoginException cannotAuthenticate(String message) {
        return new BackendLoginException(message);
    }

    public boolean cannotAuthenticate() {
        return cannotAuthenticate;
    }

    public byte[] errorResponse() {
        return errorResponse;
    }
}
