package io.auriga.mysql.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The arithmetic of {@code mysql_native_password}.
 *
 * <pre>
 *   stage1   = SHA1(password)
 *   stored   = "*" + HEX(SHA1(stage1))              (authentication_string, PASSWORD('…'))
 *   response = stage1 XOR SHA1(scramble + SHA1(stage1))
 * </pre>
 * Whoever holds {@code stored} can undo the XOR of a client's response and so learn {@code stage1},
 * and {@code stage1} answers any later scramble: that is how the proxy checks a client against the
 * database's own account and then logs in to any instance on its behalf without the password.
 */
public final class NativePassword {

    /** The length of a scramble and of a response. */
    public static final int LENGTH = 20;

    private NativePassword() {
    }

    /** {@code SHA1(password)}: what a client proves it knows. */
    public static byte[] stage1(String password) {
        return stage1(password.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code SHA1(password)} of the password's bytes as a client sent them (full authentication). */
    public static byte[] stage1(byte[] password) {
        return sha1(password);
    }

    /** {@code "*" + HEX(SHA1(SHA1(password)))} as MariaDB stores it (upper-case hex). */
    public static String storedHash(byte[] stage1) {
        return "*" + HexFormat.of().withUpperCase().formatHex(sha1(stage1));
    }

    /** The client's answer to {@code scramble}: {@code stage1 XOR SHA1(scramble + SHA1(stage1))}. */
    public static byte[] response(byte[] stage1, byte[] scramble) {
        return xor(stage1, sha1(scramble, sha1(stage1)));
    }

    /**
     * Recovers {@code SHA1(password)} from a client's response to {@code scramble}, given the stored
     * {@code *HEX} hash. The result is genuine only if {@link #verify} accepts it.
     *
     * @throws IllegalArgumentException when the stored hash or the response is malformed
     */
    public static byte[] recoverStage1(String storedHash, byte[] scramble, byte[] response) {
        if (response.length != LENGTH) {
            throw new IllegalArgumentException("a mysql_native_password response has " + LENGTH + " bytes, got "
                    + response.length);
        }
        return xor(response, sha1(scramble, stage2(storedHash)));
    }

    /** Whether {@code stage1} is the one behind {@code storedHash}, compared in constant time. */
    public static boolean verify(String storedHash, byte[] stage1) {
        return MessageDigest.isEqual(sha1(stage1), stage2(storedHash));
    }

    /**
     * Checks a client's response to {@code scramble} against the stored hash.
     *
     * @return {@code SHA1(password)} when the response is right, else null
     */
    public static byte[] check(String storedHash, byte[] scramble, byte[] response) {
        if (response.length != LENGTH) {
            return null;
        }
        byte[] stage1 = recoverStage1(storedHash, scramble, response);
        return verify(storedHash, stage1) ? stage1 : null;
    }

    private static byte[] stage2(String storedHash) {
        if (storedHash == null || storedHash.length() != 41 || storedHash.charAt(0) != '*') {
            throw new IllegalArgumentException("not a mysql_native_password hash (*40 hex digits)");
        }
        try {
            return HexFormat.of().parseHex(storedHash.substring(1).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a mysql_native_password hash (*40 hex digits)", e);
        }
    }

    private static byte[] sha1(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            for (byte[] part : parts) {
                md.update(part);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
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
