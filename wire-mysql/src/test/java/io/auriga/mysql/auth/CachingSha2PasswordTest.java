package io.auriga.mysql.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The fast-path arithmetic against a response captured from a real client and against an independent computation. */
class CachingSha2PasswordTest {
    private static final HexFormat HEX = HexFormat.of();
    /**
     * A scramble and the caching_sha2_password response a MySQL client library sent for password
     * {@code hola}, captured on the wire; published as a test vector in Boost.MySQL's handshake tests.
     */
    private static final byte[] CAPTURED_SCRAMBLE = HEX.parseHex("3e3b04550470163a4c15350315767322460818" + "01");
    private static final byte[] CAPTURED_RESPONSE =
            HEX.parseHex("a1c1e1e91bb6544ba7374b9c566d693e06ca070298acd10618c690389d88e120");

    @Test
    void responseMatchesWhatARealClientSent() {
        byte[] stage1 = CachingSha2Password.stage1(bytes("hola"));
        assertArrayEquals(CAPTURED_RESPONSE, CachingSha2Password.response(stage1, CAPTURED_SCRAMBLE));
    }

    @Test
    void checkRecoversSha256OfThePasswordFromTheCapturedResponse() {
        byte[] stage2 = sha256(sha256(bytes("hola")));
        assertArrayEquals(sha256(bytes("hola")), CachingSha2Password.check(stage2, CAPTURED_SCRAMBLE, CAPTURED_RESPONSE));
    }

    @Test
    void matchesTheFormulaComputedIndependently() throws Exception {
        byte[] nonce = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        byte[] password = bytes("pässwörd");
        // XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)) + nonce)), written out with MessageDigest alone.
        byte[] digest1 = MessageDigest.getInstance("SHA-256").digest(password);
        byte[] digest2 = MessageDigest.getInstance("SHA-256").digest(digest1);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(digest2);
        md.update(nonce);
        byte[] mask = md.digest();
        byte[] expected = new byte[32];
        for (int i = 0; i < 32; i++) {
            expected[i] = (byte) (digest1[i] ^ mask[i]);
        }
        assertArrayEquals(expected, CachingSha2Password.response(CachingSha2Password.stage1(password), nonce));
        assertArrayEquals(digest2, CachingSha2Password.stage2(CachingSha2Password.stage1(password)));
        assertArrayEquals(digest1, CachingSha2Password.check(digest2, nonce, expected));
    }

    @Test
    void refusesAWrongPasswordAnotherNonceATamperedOrShortResponse() {
        byte[] stage2 = sha256(sha256(bytes("hola")));
        byte[] wrong = CachingSha2Password.response(sha256(bytes("Hola")), CAPTURED_SCRAMBLE);
        assertNull(CachingSha2Password.check(stage2, CAPTURED_SCRAMBLE, wrong));
        byte[] otherNonce = CAPTURED_SCRAMBLE.clone();
        otherNonce[19] ^= 1;
        assertNull(CachingSha2Password.check(stage2, otherNonce, CAPTURED_RESPONSE));
        byte[] tampered = CAPTURED_RESPONSE.clone();
        tampered[31] ^= 0x40;
        assertNull(CachingSha2Password.check(stage2, CAPTURED_SCRAMBLE, tampered));
        assertNull(CachingSha2Password.check(stage2, CAPTURED_SCRAMBLE, new byte[0]));
        assertNull(CachingSha2Password.check(stage2, CAPTURED_SCRAMBLE, new byte[20]));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
