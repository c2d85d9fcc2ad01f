package io.auriga.mysql.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.auth.StoredCredential;
import io.auriga.core.auth.UserLookup;
import io.auriga.mysql.engine.MariaDbCredentialSource.Account;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class MariaDbCredentialSourceTest {
    private static final String HASH_A = "*96D20E0D5BDFCC0EF859A7AE2D2151FF7D2B37A1";
    private static final String HASH_B = "*0000000000000000000000000000000000000000";

    private static Account account(String host, String plugin, String hash) {
        return new Account("app", host, plugin, hash, false);
    }

    private static String found(UserLookup lookup) {
        return ((StoredCredential.MySqlNative) assertInstanceOf(UserLookup.Found.class, lookup).credential())
                .storedHash();
    }

    private static String refused(UserLookup lookup) {
        return assertInstanceOf(UserLookup.Refused.class, lookup).reason();
    }

    @Test
    void theLoopbackAccountWinsOverTheWildcard() {
        assertEquals(HASH_B, found(MariaDbCredentialSource.judge("app", List.of(
                account("%", "mysql_native_password", HASH_A),
                account("127.0.0.1", "mysql_native_password", HASH_B)))));
        assertEquals(HASH_A, found(MariaDbCredentialSource.judge("app", List.of(
                account("10.0.0.%", "mysql_native_password", HASH_B),
                account("%", "mysql_native_password", HASH_A)))));
    }

    @Test
    void otherHostPatternsAreUsedOnlyWhenTheyAgree() {
        assertEquals(HASH_A, found(MariaDbCredentialSource.judge("app", List.of(
                account("10.0.0.%", "mysql_native_password", HASH_A),
                account("10.1.%", "mysql_native_password", HASH_A)))));
        assertTrue(refused(MariaDbCredentialSource.judge("app", List.of(
                account("10.0.0.%", "mysql_native_password", HASH_A),
                account("10.1.%", "mysql_native_password", HASH_B)))).contains("different passwords"));
    }

    @Test
    void accountsThatCannotLogInAreRefusedWithTheReason() {
        assertTrue(refused(MariaDbCredentialSource.judge("app", List.of())).contains("does not exist"));
        assertTrue(refused(MariaDbCredentialSource.judge("app", List.of(
                new Account("app", "%", "mysql_native_password", HASH_A, true)))).contains("locked"));
        assertTrue(refused(MariaDbCredentialSource.judge("app", List.of(
                account("%", "ed25519", "abc")))).contains("ed25519"));
        assertTrue(refused(MariaDbCredentialSource.judge("app", List.of(
                account("%", "mysql_native_password", "")))).contains("no password"));
    }

    /** 'secret', as MariaDB stores it for an ed25519 account. */
    private static final String ED25519_SECRET = "ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY";

    @Test
    void anEd25519AccountGivesItsPublicKey() {
        UserLookup lookup = MariaDbCredentialSource.judge("app", List.of(account("%", "ed25519", ED25519_SECRET)));
        StoredCredential.MySqlEd25519 key = assertInstanceOf(StoredCredential.MySqlEd25519.class,
                assertInstanceOf(UserLookup.Found.class, lookup).credential());
        assertArrayEquals(Base64.getDecoder().decode(ED25519_SECRET), key.publicKey());
    }

    @Test
    void aMalformedEd25519KeyOrAnotherPluginIsRefusedWithTheReason() {
        for (String bad : new String[] {"abc", ED25519_SECRET + "=", "*96D20E0D5BDFCC0EF859A7AE2D2151FF7D2B37A1",
                ED25519_SECRET.substring(0, 42) + "B"}) {
            String reason = refused(MariaDbCredentialSource.judge("app", List.of(account("%", "ed25519", bad))));
            assertTrue(reason.contains("ed25519 key of account 'app'@'%' is malformed"), reason);
        }
        assertTrue(refused(MariaDbCredentialSource.judge("app", List.of(account("%", "ed25519", ""))))
                .contains("no password"));
        String other = refused(MariaDbCredentialSource.judge("app", List.of(account("%", "unix_socket", ""))));
        assertTrue(other.contains("authenticates with unix_socket; only mysql_native_password and ed25519"), other);
    }
}
