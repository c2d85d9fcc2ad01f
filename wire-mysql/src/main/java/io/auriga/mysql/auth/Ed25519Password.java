package io.auriga.mysql.auth;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * The arithmetic of MariaDB's {@code ed25519} authentication plugin (server {@code ed25519}, client
 * {@code client_ed25519}): Ed25519 (RFC 8032) whose secret is the password of any length, not a
 * 32-byte seed.
 *
 * <pre>
 *   az       = SHA512(password)                    (64 bytes; what the proxy keeps for backend logins)
 *   a        = az[0..32] clamped (&amp;= 248 on byte 0, &amp;= 63 then |= 64 on byte 31), little-endian
 *   stored   = base64(encode(a·B)), 43 characters without padding   (authentication_string)
 *   r        = SHA512(az[32..64] || nonce) mod L,  R = r·B
 *   h        = SHA512(encode(R) || encode(a·B) || nonce) mod L
 *   answer   = encode(R) || little-endian(r + h·a mod L)            (64 bytes, to a 32-byte nonce)
 * </pre>
 * With {@code az} the proxy answers any backend's nonce, so it keeps that rather than the password.
 * The JDK's EdDSA cannot be used: it hashes a 32-byte seed itself, and the seed here is the password.
 * Standard Ed25519 with seed {@code s} is this with password {@code s}.
 *
 * <p>Plain BigInteger arithmetic on the twisted Edwards curve −x² + y² = 1 + d·x²·y² in extended
 * coordinates (RFC 8032 section 5.1.4), with the doublings of B computed once so that a product is
 * additions only: about a millisecond per public key or answer, once per login, slow next to a
 * dedicated implementation but small next to the round trips around it. It is not constant-time: its
 * time follows the number of set bits of the scalar, a weak signal lost in those round trips.
 */
public final class Ed25519Password {

    /** The length of a public key, a nonce and a signature's halves. */
    public static final int KEY_LENGTH = 32;
    /** The length of {@code az} and of a signature. */
    public static final int SECRET_LENGTH = 64;

    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger L = BigInteger.TWO.pow(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));
    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger D2 = D.shiftLeft(1).mod(P);
    private static final Point BASE = Point.affine(
            new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202"),
            new BigInteger("46316835694926478169428394003475163141307993866256225615783033603165251855960"));
    private static final Point NEUTRAL = Point.affine(BigInteger.ZERO, BigInteger.ONE);
    /** 2^i·B for every bit a scalar here has (clamped a &lt; 2^255, r &lt; L): a product is only additions. */
    private static final Point[] BASE_DOUBLINGS = new Point[256];

    static {
        BASE_DOUBLINGS[0] = BASE;
        for (int i = 1; i < BASE_DOUBLINGS.length; i++) {
            BASE_DOUBLINGS[i] = BASE_DOUBLINGS[i - 1].plus(BASE_DOUBLINGS[i - 1]);
        }
    }

    private Ed25519Password() {
    }

    /** {@code SHA512(password)}: the secret half of the key pair, from which the public key and answers follow. */
    public static byte[] az(byte[] password) {
        return sha512(password);
    }

    /** The 32-byte public key of {@code az}, as the server stores it (base64-decoded). */
    public static byte[] publicKey(byte[] az) {
        return timesBase(scalar(az)).encode();
    }

    /** Whether {@code password} is the one whose public key is {@code publicKey}. */
    public static boolean matches(byte[] publicKey, byte[] password) {
        return MessageDigest.isEqual(publicKey, publicKey(az(password)));
    }

    /** The 64-byte answer of {@code client_ed25519} to {@code nonce}: the signature of it with {@code az}. */
    public static byte[] sign(byte[] az, byte[] nonce) {
        if (az.length != SECRET_LENGTH) {
            throw new IllegalArgumentException("az must be " + SECRET_LENGTH + " bytes, not " + az.length);
        }
        BigInteger a = scalar(az);
        byte[] publicKey = timesBase(a).encode();
        BigInteger r = littleEndian(sha512(Arrays.copyOfRange(az, 32, 64), nonce)).mod(L);
        byte[] encodedR = timesBase(r).encode();
        BigInteger h = littleEndian(sha512(encodedR, publicKey, nonce)).mod(L);
        byte[] s = toLittleEndian(r.add(h.multiply(a)).mod(L));
        byte[] signature = Arrays.copyOf(encodedR, SECRET_LENGTH);
        System.arraycopy(s, 0, signature, KEY_LENGTH, KEY_LENGTH);
        return signature;
    }

    /**
     * The public key an {@code ed25519} account's authentication_string holds: base64 of 32 bytes, 43
     * characters without padding (MariaDB also writes none).
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static byte[] storedKey(String authenticationString) {
        if (authenticationString == null || authenticationString.isEmpty()) {
            throw new IllegalArgumentException("it is empty");
        }
        if (authenticationString.length() != 43) {
            throw new IllegalArgumentException("it has " + authenticationString.length()
                    + " characters where the base64 of a 32-byte key has 43");
        }
        if (!authenticationString.matches("[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]")) {
            throw new IllegalArgumentException("it is not base64 of a 32-byte key");
        }
        return Base64.getDecoder().decode(authenticationString);
    }

    /** {@code k·B}, {@code k} below 2^256. */
    private static Point timesBase(BigInteger k) {
        Point sum = NEUTRAL;
        for (int i = 0; i < k.bitLength(); i++) {
            if (k.testBit(i)) {
                sum = sum.plus(BASE_DOUBLINGS[i]);
            }
        }
        return sum;
    }

    /** The clamped scalar {@code a} of {@code az}'s first half. */
    private static BigInteger scalar(byte[] az) {
        byte[] a = Arrays.copyOf(az, KEY_LENGTH);
        a[0] &= (byte) 248;
        a[31] &= 63;
        a[31] |= 64;
        return littleEndian(a);
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] bigEndian = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            bigEndian[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }

    /** {@code value} (below 2^256) as 32 little-endian bytes. */
    private static byte[] toLittleEndian(BigInteger value) {
        byte[] out = new byte[KEY_LENGTH];
        byte[] bigEndian = value.toByteArray();
        for (int i = 0; i < bigEndian.length && i < KEY_LENGTH; i++) {
            out[i] = bigEndian[bigEndian.length - 1 - i];
        }
        return out;
    }

    private static byte[] sha512(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-512");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is missing from this JDK", e);
        }
    }

    /** A curve point in extended coordinates: x = X/Z, y = Y/Z, x·y = T/Z. */
    private record Point(BigInteger x, BigInteger y, BigInteger z, BigInteger t) {
        static Point affine(BigInteger x, BigInteger y) {
            return new Point(x, y, BigInteger.ONE, x.multiply(y).mod(P));
        }

        /** RFC 8032 section 5.1.4, the unified addition (also doubles). */
        Point plus(Point q) {
            BigInteger a = y.subtract(x).multiply(q.y.subtract(q.x)).mod(P);
            BigInteger b = y.add(x).multiply(q.y.add(q.x)).mod(P);
            BigInteger c = t.multiply(D2).multiply(q.t).mod(P);
            BigInteger d = z.shiftLeft(1).multiply(q.z).mod(P);
            BigInteger e = b.subtract(a);
            BigInteger f = d.subtract(c);
            BigInteger g = d.add(c);
            BigInteger h = b.add(a);
            return new Point(e.multiply(f).mod(P), g.multiply(h).mod(P), f.multiply(g).mod(P), e.multiply(h).mod(P));
        }

        /** RFC 8032 section 5.1.2: y little-endian, the low bit of x in the top bit of the last byte. */
        byte[] encode() {
            BigInteger inverse = z.modInverse(P);
            BigInteger affineX = x.multiply(inverse).mod(P);
            byte[] out = toLittleEndian(y.multiply(inverse).mod(P));
            if (affineX.testBit(0)) {
                out[31] |= (byte) 0x80;
            }
            return out;
        }
    }
}
