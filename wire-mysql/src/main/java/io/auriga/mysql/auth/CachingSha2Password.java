package io.auriga.mysql.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The arithmetic of {@code caching_sha2_password}'s fast path.
 *
 * <pre>
 *   stage1   = SHA256(password)
 *   stage2   = SHA256(stage1)                         (what a server's cache holds)
 *   response = stage1 XOR SHA256(stage2 + nonce)      (32 bytes; nonce = the 20-byte scramble)
 * </pre>
 * Whoever holds {@code stage2} undoes the XOR of a response and learns {@code stage1}; the client is
 * genuine when {@code SHA256(stage1) = stage2}. Unlike {@code mysql_native_password}'s stored hash,
 * the server's stored {@code authentication_string} is salted and iterated, so a server can only
 * check a fast-path response once a full authentication (password in clear, over TLS) has filled
 * its cache; the proxy works the same way (see {@link CachingSha2Cache}).
 */
public final class CachingSha2Password {

    /** The length of a fast-path response and of each stage. */
    public static final int LENGTH = 32;
    /** AuthMoreData (0x01) bodies the server sends after a fast-path response. */
    public static final byte FAST_AUTH_SUCCESS = 0x03;
    public static final byte PERFORM_FULL_AUTHENTICATION = 0x04;
    /** What a client without TLS sends during full authentication to ask for the server's RSA key. */
    public static final byte REQUEST_PUBLIC_KEY = 0x02;

    private CachingSha2Password() {
    }

    /** {@code SHA256(password)} of the password's bytes as the client sends them. */
    public static byte[] stage1(byte[] password) {
        return sha256(password);
    }

    /** {@code SHA256(stage1)}: what a fast-path response is checked against. */
    public static byte[] stage2(byte[] stage1) {
        return sha256(stage1);
    }

    /** The client's fast-path answer to {@code nonce}: {@code stage1 XOR SHA256(SHA256(stage1) + nonce)}. */
    public static byte[] response(byte[] stage1, byte[] nonce) {
        return xor(stage1, sha256(sha256(stage1), nonce));
    }

    /**
     * Checks a fast-path response to {@code nonce} against {@code stage2}, in constant time.
     *
     * @return {@code SHA256(password)} when the response is right, else null (also for a response
     *         that is not {@value #LENGTH} bytes long)
     */
    public static byte[] check(byte[] stage2, byte[] nonce, byte[] response) {
        if (response.length != LENGTH || stage2.length != LENGTH) {
            return null;
        }
        byte[] stage1 = xor(response, sha256(stage2, nonce));
        return MessageDigest.isEqual(sha256(stage1), stage2) ? stage1 : null;
    }

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                md.update(part);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }
}
