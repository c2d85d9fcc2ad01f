package io.auriga.mysql.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.auriga.mysql.protocol.AuthSwitchRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BackendSecretTest {
    private static final byte[] SCRAMBLE = "abcdefghij0123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aNativeSecretAnswersScramblesAndNothingElse() {
        byte[] stage1 = NativePassword.stage1("auriga");
        BackendSecret secret = new BackendSecret.Native(stage1);
        byte[] expected = NativePassword.response(stage1, SCRAMBLE);
        assertArrayEquals(expected, secret.firstResponse(SCRAMBLE));
        assertArrayEquals(expected, secret.answer(new AuthSwitchRequest("mysql_native_password",
                Arrays.copyOf(SCRAMBLE, 21))));
        assertNull(secret.answer(new AuthSwitchRequest("client_ed25519", new byte[32])));
    }

    /**
     * An ed25519 account's server switches to client_ed25519 whatever the first response says, so it is
     * empty; the nonce is all 32 bytes of the plugin data, a last byte of 0 included (it is no
     * terminator, unlike the NUL after a mysql_native_password scramble).
     */
    @Test
    void anEd25519SecretSignsTheWholeNonce() {
        byte[] az = Ed25519Password.az("secret".getBytes(StandardCharsets.UTF_8));
        BackendSecret secret = new BackendSecret.Ed25519(az);
        assertEquals(0, secret.firstResponse(SCRAMBLE).length);
        byte[] nonce = new byte[32];
        Arrays.fill(nonce, (byte) 7);
        nonce[31] = 0;
        assertArrayEquals(Ed25519Password.sign(az, nonce), secret.answer(new AuthSwitchRequest("client_ed25519", nonce)));
        assertNull(secret.answer(new AuthSwitchRequest("mysql_native_password", Arrays.copyOf(SCRAMBLE, 21))));
        assertNull(secret.answer(new AuthSwitchRequest("client_ed25519", new byte[20])));
    }

    /** Kept backends are keyed on the secret: equal bytes, equal secret. */
    @Test
    void secretsAreEqualByTheirBytes() {
        byte[] az = Ed25519Password.az("secret".getBytes(StandardCharsets.UTF_8));
        assertEquals(new BackendSecret.Ed25519(az), new BackendSecret.Ed25519(az.clone()));
        assertEquals(new BackendSecret.Ed25519(az).hashCode(), new BackendSecret.Ed25519(az.clone()).hashCode());
        assertEquals(new BackendSecret.Native(new byte[20]), new BackendSecret.Native(new byte[20]));
        assertNotEquals(new BackendSecret.Ed25519(az), new BackendSecret.Ed25519(Ed25519Password.az(new byte[1])));
        assertNotEquals(new BackendSecret.Native(Arrays.copyOf(az, 20)), new BackendSecret.Ed25519(az));
    }
}
