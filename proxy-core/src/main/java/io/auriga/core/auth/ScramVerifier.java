package io.auriga.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A SCRAM-SHA-256 verifier as PostgreSQL stores it in {@code pg_authid.rolpassword}:
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>} (RFC 5802 / 7677).
 * It lets the proxy check a client's proof without knowing the password.
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    private static final Pattern FORMAT =
            Pattern.compile("SCRAM-SHA-256\\$(\\d+):([A-Za-z0-9+/=]+)\\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)");
    private static final int DEFAULT_ITERATIONS = 4096;

    /** Parses the stored form; {@code IllegalArgumentException} names what is wrong. */
    public static ScramVerifier parse(String stored) {
        Matcher m = FORMAT.matcher(stored == null ? "" : stored.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier");
        }
        Base64.Decoder b64 = Base64.getDecoder();
        ScramVerifier v = new ScramVerifier(Integer.parseInt(m.group(1)), b64.decode(m.group(2)),
                b64.decode(m.group(3)), b64.decode(m.group(4)));
        if (v.iterations < 1 || v.storedKey.length != 32 || v.serverKey.length != 32) {
            throw new IllegalArgumentException("SCRAM-SHA-256 verifier has wrong key lengths or iterations");
        }
        return v;
    }

    public static boolean looksLikeVerifier(String stored) {
        return stored != null && stored.startsWith("SCRAM-SHA-256$");
    }

    /** Derives a verifier from a password with a fresh random salt (for users given by password). */
    public static ScramVerifier fromPassword(String password, SecureRandom random) {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        return fromPassword(password, salt, DEFAULT_ITERATIONS);
    }

    /** Derives the verifier a server with this salt and iteration count would hold. */
    public static ScramVerifier fromPassword(String password, byte[] salt, int iterations) {
        ScramKeys keys = keys(password, salt, iterations);
        return new ScramVerifier(iterations, salt.clone(), keys.storedKey(), keys.serverKey());
    }

    /**
     * Everything a client logging in with this password needs for this salt, from one PBKDF2 run
     * (the costly part): ClientKey, and StoredKey and ServerKey to check the server with.
     */
    static ScramKeys keys(String password, byte[] salt, int iterations) {
        byte[] saltedPassword = saltedPassword(password, salt, iterations);
        byte[] clientKey = Crypto.hmac(saltedPassword, "Client Key");
        return new ScramKeys(clientKey, Crypto.sha256(clientKey), Crypto.hmac(saltedPassword, "Server Key"));
    }

    /** The ClientKey a password yields for this salt, needed to log in to a backend. */
    public static byte[] clientKey(String password, byte[] salt, int iterations) {
        return Crypto.hmac(saltedPassword(password, salt, iterations), "Client Key");
    }

    private static byte[] saltedPassword(String password, byte[] salt, int iterations) {
        // SASLprep is skipped: it changes only passwords with unusual Unicode, as PostgreSQL's own fallback does.
        try {
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
            return f.generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        }
    }

    public String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return "SCRAM-SHA-256$" + iterations + ":" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    }

    String saltBase64() {
        return Base64.getEncoder().encodeToString(salt);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + "]";
    }
}
