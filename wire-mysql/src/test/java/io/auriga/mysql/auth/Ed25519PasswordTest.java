package io.auriga.mysql.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ed25519PasswordTest {
    private static final HexFormat HEX = HexFormat.of();

    /** RFC 8032 section 7.1, tests 1 to 3: secret key (the seed), public key, message, signature. */
    private static final String[][] RFC_8032 = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    };

    /** Read from MariaDB 10.11: {@code CREATE USER … IDENTIFIED VIA ed25519 USING PASSWORD('secret')}. */
    private static final String MARIADB_SECRET = "ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY";

    @Test
    void standardEd25519IsThisWithTheSeedAsPassword() {
        for (String[] vector : RFC_8032) {
            byte[] az = Ed25519Password.az(HEX.parseHex(vector[0]));
            assertEquals(vector[1], HEX.formatHex(Ed25519Password.publicKey(az)));
            assertEquals(vector[3], HEX.formatHex(Ed25519Password.sign(az, HEX.parseHex(vector[2]))));
        }
    }

    @Test
    void theKeyOfAPasswordIsWhatMariaDbStores() {
        byte[] stored = Ed25519Password.storedKey(MARIADB_SECRET);
        assertTrue(Ed25519Password.matches(stored, "secret".getBytes(StandardCharsets.UTF_8)));
        assertFalse(Ed25519Password.matches(stored, "Secret".getBytes(StandardCharsets.UTF_8)));
        assertFalse(Ed25519Password.matches(stored, "secret\0".getBytes(StandardCharsets.UTF_8)));
        assertEquals(MARIADB_SECRET, Base64.getEncoder().withoutPadding().encodeToString(
                Ed25519Password.publicKey(Ed25519Password.az("secret".getBytes(StandardCharsets.UTF_8)))));
    }

    /** The server checks an answer with standard Ed25519 verification; the JDK's is one. */
    @Test
    void answersVerifyWithTheJdksEd25519() throws Exception {
        Random random = new Random(25519);
        for (int i = 0; i < 8; i++) {
            byte[] password = new byte[1 + random.nextInt(40)];
            random.nextBytes(password);
            byte[] nonce = new byte[32];
            random.nextBytes(nonce);
            byte[] az = Ed25519Password.az(password);
            byte[] answer = Ed25519Password.sign(az, nonce);
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(jdkPublicKey(Ed25519Password.publicKey(az)));
            verifier.update(nonce);
            assertTrue(verifier.verify(answer), "password of " + password.length + " bytes");
            nonce[0] ^= 1;
            verifier.update(nonce);
            assertFalse(verifier.verify(answer));
        }
    }

    /** With a 32-byte password the answer is the JDK's own signature with that seed. */
    @Test
    void aSeedSignsAsTheJdkSigns() throws Exception {
        Random random = new Random(8032);
        for (int i = 0; i < 4; i++) {
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            byte[] message = new byte[32];
            random.nextBytes(message);
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(KeyFactory.getInstance("Ed25519").generatePrivate(
                    new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed)));
            signer.update(message);
            assertArrayEquals(signer.sign(), Ed25519Password.sign(Ed25519Password.az(seed), message));
        }
    }

    @Test
    void malformedStoredKeysAreRefusedWithTheReason() {
        assertEquals(32, Ed25519Password.storedKey(MARIADB_SECRET).length);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ed25519Password.storedKey(""))
                .getMessage().contains("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ed25519Password.storedKey(MARIADB_SECRET + "="))
                .getMessage().contains("44 characters"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ed25519Password.storedKey(
                MARIADB_SECRET.substring(0, 42) + "Z")).getMessage().contains("not base64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ed25519Password.storedKey(
                "*" + MARIADB_SECRET.substring(1))).getMessage().contains("not base64"));
        assertThrows(IllegalArgumentException.class, () -> Ed25519Password.sign(new byte[20], new byte[32]));
    }

    private static PublicKey jdkPublicKey(byte[] encoded) throws Exception {
        byte[] bigEndian = new byte[32];
        for (int i = 0; i < 32; i++) {
            bigEndian[i] = encoded[31 - i];
        }
        boolean xOdd = (bigEndian[0] & 0x80) != 0;
        bigEndian[0] &= 0x7F;
        return KeyFactory.getInstance("Ed25519").generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519,
                new EdECPoint(xOdd, new BigInteger(1, bigEndian))));
    }
}
