package io.auriga.mysql.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** What the fast path finds in the cache: filled by a full authentication, tied to the stored hash, bounded. */
class CachingSha2CacheTest {
    private static final byte[] NONCE = "abcdefghijklmnopqrst".getBytes(StandardCharsets.US_ASCII);
    private static final String HASH = NativePassword.storedHash(NativePassword.stage1("auriga"));

    private final CachingSha2Cache cache = new CachingSha2Cache(2, new SecureRandom());

    @Test
    void aFullAuthenticationLetsTheNextLoginTakeTheFastPathAndGetTheLoginSecretBack() {
        assertInstanceOf(CachingSha2Cache.Fast.Miss.class, cache.fast("app", HASH, NONCE, response("auriga", NONCE)));
        cache.remember("app", HASH, bytes("auriga"), NativePassword.stage1("auriga"));
        byte[] otherNonce = "ABCDEFGHIJKLMNOPQRST".getBytes(StandardCharsets.US_ASCII);
        var passed = assertInstanceOf(CachingSha2Cache.Fast.Passed.class,
                cache.fast("app", HASH, otherNonce, response("auriga", otherNonce)));
        assertArrayEquals(NativePassword.stage1("auriga"), passed.loginSecret());
    }

    @Test
    void aWrongPasswordIsDeniedAndLeavesTheEntry() {
        cache.remember("app", HASH, bytes("auriga"), NativePassword.stage1("auriga"));
        assertInstanceOf(CachingSha2Cache.Fast.Denied.class, cache.fast("app", HASH, NONCE, response("Auriga", NONCE)));
        assertInstanceOf(CachingSha2Cache.Fast.Passed.class, cache.fast("app", HASH, NONCE, response("auriga", NONCE)));
    }

    @Test
    void aChangedStoredHashDropsTheEntry() {
        cache.remember("app", HASH, bytes("auriga"), NativePassword.stage1("auriga"));
        String newHash = NativePassword.storedHash(NativePassword.stage1("new-password"));
        assertInstanceOf(CachingSha2Cache.Fast.Miss.class, cache.fast("app", newHash, NONCE, response("auriga", NONCE)));
        assertEquals(0, cache.size());
        // Even the old hash finds nothing now: the entry is gone, not merely skipped.
        assertInstanceOf(CachingSha2Cache.Fast.Miss.class, cache.fast("app", HASH, NONCE, response("auriga", NONCE)));
    }

    @Test
    void forgottenUsersAndUsersOfOtherNamesMiss() {
        cache.remember("app", HASH, bytes("auriga"), NativePassword.stage1("auriga"));
        assertInstanceOf(CachingSha2Cache.Fast.Miss.class, cache.fast("other", HASH, NONCE, response("auriga", NONCE)));
        cache.forget("app");
        assertInstanceOf(CachingSha2Cache.Fast.Miss.class, cache.fast("app", HASH, NONCE, response("auriga", NONCE)));
    }

    @Test
    void theLeastRecentlyUsedUserLeavesFirstWhenFull() {
        cache.remember("a", HASH, bytes("auriga"), NativePassword.stage1("auriga"));
        cache.remember("b", HASH, bytes("auriga"), NativePassword.stage1("auriga"));
        assertInstanceOf(CachingSha2Cache.Fast.Passed.class, cache.fast("a", HASH, NONCE, response("auriga", NONCE)));
        cache.remember("c", HASH, bytes("auriga"), NativePassword.stage1("auriga"));
        assertEquals(2, cache.size());
        assertInstanceOf(CachingSha2Cache.Fast.Miss.class, cache.fast("b", HASH, NONCE, response("auriga", NONCE)));
        assertInstanceOf(CachingSha2Cache.Fast.Passed.class, cache.fast("a", HASH, NONCE, response("auriga", NONCE)));
        assertInstanceOf(CachingSha2Cache.Fast.Passed.class, cache.fast("c", HASH, NONCE, response("auriga", NONCE)));
    }

    @Test
    void countsEachPath() {
        cache.countFull();
        cache.countFast();
        cache.countFast();
        assertEquals(1, cache.fullAuthentications());
        assertEquals(2, cache.fastAuthentications());
        assertThrows(IllegalArgumentException.class, () -> new CachingSha2Cache(0, new SecureRandom()));
    }

    private static byte[] response(String password, byte[] nonce) {
        return CachingSha2Password.response(CachingSha2Password.stage1(bytes(password)), nonce);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
