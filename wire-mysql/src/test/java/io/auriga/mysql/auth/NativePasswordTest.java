package io.auriga.mysql.auth;

import static io.auriga.mysql.protocol.CapturedPackets.AURIGA_STORED_HASH;
import static io.auriga.mysql.protocol.CapturedPackets.CLIENT_AUTH_RESPONSE;
import static io.auriga.mysql.protocol.CapturedPackets.GREETING_SCRAMBLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Test vectors from real MariaDB software: the stored hash is what the server's {@code PASSWORD('auriga')}
 * returns, the response is what the {@code mariadb} client sent for password {@code auriga} to the
 * captured scramble.
 */
class NativePasswordTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] SCRAMBLE = HEX.parseHex(GREETING_SCRAMBLE);
    private static final byte[] CLIENT_RESPONSE = HEX.parseHex(CLIENT_AUTH_RESPONSE);

    @Test
    void storedHashMatchesTheServersPasswordFunction() {
        assertEquals(AURIGA_STORED_HASH, NativePassword.storedHash(NativePassword.stage1("auriga")));
        assertEquals("*14E65567ABDB5135D0CFD9A70B3032C179A49EE7",
                NativePassword.storedHash(NativePassword.stage1("secret")));
    }

    @Test
    void responseMatchesWhatTheRealClientSent() {
        assertArrayEquals(CLIENT_RESPONSE, NativePassword.response(NativePassword.stage1("auriga"), SCRAMBLE));
    }

    @Test
    void recoversTheClientsStage1FromItsResponseAndTheStoredHash() {
        byte[] stage1 = NativePassword.check(AURIGA_STORED_HASH, SCRAMBLE, CLIENT_RESPONSE);
        assertArrayEquals(NativePassword.stage1("auriga"), stage1);
        assertTrue(NativePassword.verify(AURIGA_STORED_HASH, stage1));
        // The recovered stage1 answers another instance's scramble.
        byte[] other = HEX.parseHex("0102030405060708090a0b0c0d0e0f1011121314");
        assertArrayEquals(NativePassword.response(NativePassword.stage1("auriga"), other),
                NativePassword.response(stage1, other));
    }

    @Test
    void refusesAWrongPasswordOrATamperedResponse() {
        byte[] wrong = NativePassword.response(NativePassword.stage1("not-auriga"), SCRAMBLE);
        assertNull(NativePassword.check(AURIGA_STORED_HASH, SCRAMBLE, wrong));
        byte[] tampered = CLIENT_RESPONSE.clone();
        tampered[0] ^= 1;
        assertNull(NativePassword.check(AURIGA_STORED_HASH, SCRAMBLE, tampered));
        assertNull(NativePassword.check(AURIGA_STORED_HASH, SCRAMBLE, new byte[0]));
        assertFalse(NativePassword.verify(AURIGA_STORED_HASH, NativePassword.stage1("x")));
    }

    @Test
    void rejectsAMalformedStoredHash() {
        assertThrows(IllegalArgumentException.class, () -> NativePassword.verify("96D20E0D", new byte[20]));
        assertThrows(IllegalArgumentException.class,
                () -> NativePassword.verify("*ZZD20E0D5BDFCC0EF859A7AE2D2151FF7D2B37A1", new byte[20]));
    }
}
