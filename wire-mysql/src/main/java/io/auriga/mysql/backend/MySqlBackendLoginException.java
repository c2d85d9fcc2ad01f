package io.auriga.mysql.backend;

import io.auriga.mysql.protocol.ErrPacket;

/**
 * Logging in to a backend failed. When the backend itself refused (an ERR packet such as unknown
 * database), {@code error} holds it so the client receives the server's own code and message;
 * otherwise it is null and the message explains.
 */
public final class MySqlBackendLoginException extends Exception {
    private final transient ErrPacket error;

    public MySqlBackendLoginException(String message, ErrPacket error) {
        super(message);
        this.error = error;
    }

    public MySqlBackendLoginException(String message, Throwable cause) {
        super(message, cause);
        this.error = null;
    }

    public ErrPacket error() {
        return error;
    }
}
