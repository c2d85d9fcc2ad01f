package io.auriga.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * PostgreSQL's md5 method: the server stores {@code md5 + hex(md5(password + user))} and sends a
 * 4-byte salt; the client answers {@code md5 + hex(md5(hex-of-stored + salt))}. Holding the stored
 * hash is enough to answer any salt.
 */
public final class Md5Password {
    private Md5Password() {
    }

    public static boolean isStoredHash(String stored) {
        return stored != null && stored.length() == 35 && stored.startsWith("md5");
    }

    public static String storedHash(String user, String password) {
        return "md5" + Crypto.hex(Crypto.digest("MD5", bytes(password), bytes(user)));
    }

    /** The response to a server's salt, computed from the stored hash. */
    public static String response(String storedHash, byte[] salt) {
        return "md5" + Crypto.hex(Crypto.digest("MD5", bytes(storedHash.substring(3)), salt));
    }

    /** Checks a client's response against the stored hash and the salt the proxy sent. */
    public static boolean verify(String storedHash, byte[] salt, String clientResponse) {
        return MessageDigest.isEqual(bytes(response(storedHash, salt)), bytes(clientResponse));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
