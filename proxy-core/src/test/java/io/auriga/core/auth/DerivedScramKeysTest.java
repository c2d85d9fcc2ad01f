package io.auriga.core.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DerivedScramKeysTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** RFC 7677 §3: password "pencil" with this salt gives these keys (StoredKey and ServerKey as base64). */
    private static final byte[] RFC_SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");

    @Test
    void keysAreThoseOfThePasswordForThatSalt() {
        ScramKeys keys = new DerivedScramKeys("pencil").keys(RFC_SALT, 4096);
        ScramVerifier expected = ScramVerifier.fromPassword("pencil", RFC_SALT, 4096);
        assertArrayEquals(expected.storedKey(), keys.storedKey());
        assertArrayEquals(expected.serverKey(), keys.serverKey());
        assertArrayEquals(ScramVerifier.clientKey("pencil", RFC_SALT, 4096), keys.clientKey());
        assertArrayEquals(Crypto.sha256(keys.clientKey()), keys.storedKey());
    }

    @Test
    void theSameSaltIsDerivedOnce() {
        DerivedScramKeys derived = new DerivedScramKeys("pw");
        ScramKeys first = derived.keys(RFC_SALT, 4096);
        // Equal content in another array is the same salt: a backend sends it afresh every login.
        assertSame(first, derived.keys(RFC_SALT.clone(), 4096));
        assertEquals(1, derived.size());
    }

    @Test
    void anotherSaltOrIterationCountGetsItsOwnKeys() {
        DerivedScramKeys derived = new DerivedScramKeys("pw");
        byte[] otherSalt = salt();
        ScramKeys a = derived.keys(RFC_SALT, 4096);
        ScramKeys b = derived.keys(otherSalt, 4096);
        ScramKeys c = derived.keys(RFC_SALT, 4097);
        assertFalse(Arrays.equals(a.storedKey(), b.storedKey()));
        assertFalse(Arrays.equals(a.storedKey(), c.storedKey()));
        assertArrayEquals(ScramVerifier.fromPassword("pw", otherSalt, 4096).storedKey(), b.storedKey());
        assertArrayEquals(ScramVerifier.fromPassword("pw", RFC_SALT, 4097).storedKey(), c.storedKey());
        assertEquals(3, derived.size());
    }

    @Test
    void aCallerChangingItsSaltArrayLaterDoesNotChangeWhatIsKept() {
        DerivedScramKeys derived = new DerivedScramKeys("pw");
        byte[] salt = salt();
        byte[] original = salt.clone();
        ScramKeys keys = derived.keys(salt, 4096);
        salt[0] ^= 1;
        assertSame(keys, derived.keys(original, 4096));
        assertNotSame(keys, derived.keys(salt, 4096));
    }

    @Test
    void keptSaltsAreBounded() {
        DerivedScramKeys derived = new DerivedScramKeys("pw");
        for (int i = 0; i < DerivedScramKeys.MAX_SALTS * 3; i++) {
            derived.keys(salt(), 2);
            assertTrue(derived.size() <= DerivedScramKeys.MAX_SALTS, "kept " + derived.size());
        }
    }

    @Test
    void loginsOfAConfiguredUserShareTheDerivedKeys() throws Exception {
        StoredCredential.Password configured = new StoredCredential.Password("pw",
                ScramVerifier.fromPassword("pw", RANDOM));
        ScramKeys first = configured.loginSecret().scramKeys(RFC_SALT, 4096).orElseThrow();
        ScramKeys second = configured.loginSecret().scramKeys(RFC_SALT, 4096).orElseThrow();
        assertSame(first, second);
        assertEquals("pw", configured.loginSecret().password().orElseThrow());
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return salt;
    }
}
