package io.auriga.core.auth;

/** Authentication failed; the message is safe to log but says nothing a client could exploit. */
public final class AuthException extends Exception {
    public AuthException(String message) {
        super(message);
    }
}
