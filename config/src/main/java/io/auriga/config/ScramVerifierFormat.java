package io.auriga.config;

import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the shape of a SCRAM-SHA-256 verifier as PostgreSQL stores it in
 * {@code pg_authid.rolpassword}: {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>},
 * salt and keys in base64, both keys 32 bytes (RFC 7677). Only the shape is checked here; the
 * authentication code uses the values.
 */
final class ScramVerifierFormat {
    static final String EXPECTED = "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>";
    private static final String B64 = "([A-Za-z0-9+/]+={0,2})";
    private static final Pattern SHAPE = Pattern.compile("SCRAM-SHA-256\\$(\\d{1,9}):" + B64 + "\\$" + B64 + ":" + B64);
    private static final int KEY_BYTES = 32;

    private ScramVerifierFormat() {
    }

    /**
     * What is wrong with {@code verifier}, or empty if it is well formed. The message never quotes
     * the verifier: it is as sensitive as a password hash.
     */
    static Optional<String> problem(String verifier) {
        Matcher m = SHAPE.matcher(verifier.strip());
        if (!m.matches()) {
            return Optional.of("not a SCRAM-SHA-256 verifier (expected " + EXPECTED + ")");
        }
        if (Integer.parseInt(m.group(1)) < 1) {
            return Optional.of("iteration count must be at least 1");
        }
        byte[] salt = decode(m.group(2));
        byte[] storedKey = decode(m.group(3));
        byte[] serverKey = decode(m.group(4));
        if (salt == null || storedKey == null || serverKey == null) {
            return Optional.of("salt, StoredKey and ServerKey must be valid base64 (expected " + EXPECTED + ")");
        }
        if (salt.length == 0 || storedKey.length != KEY_BYTES || serverKey.length != KEY_BYTES) {
            return Optional.of("StoredKey and ServerKey must be " + KEY_BYTES + " bytes and the salt not empty");
        }
        return Optional.empty();
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
