package io.auriga.mysql.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The proxy's {@code caching_sha2_password} cache for one cluster, as a MySQL server keeps one: for
 * each database user that completed a full authentication, {@code SHA256(SHA256(password))}, which
 * lets the next login of that user take the fast path (no password on the wire).
 *
 * <p>The fast path proves the password but does not give the proxy {@code SHA1(password)}, which it
 * needs to log in to the backends ({@code mysql_native_password}). So each entry also keeps that login
 * secret, sealed (AES-GCM) under a key derived from {@code SHA256(password)}: only a client that
 * proves the password on the fast path hands the proxy what opens it. The cache itself holds nothing
 * that logs in anywhere.
 *
 * <p>An entry belongs to one stored credential (the account's {@code *HEX} hash as read from the
 * database): when the stored hash changes (new password) the entry no longer matches and is dropped;
 * a user the database refuses is forgotten. At most {@code capacity} users are kept, least recently
 * used first out. Thread-safe; it is touched once per login.
 */
public final class CachingSha2Cache {
    /** Enough for every account of a large installation; an entry is about 150 bytes. */
    public static final int DEFAULT_CAPACITY = 10_000;
    private static final byte[] KEY_LABEL = "auriga caching_sha2_password login secret".getBytes(StandardCharsets.US_ASCII);
    private static final int IV_LENGTH = 12;
    private static final int TAG_BITS = 128;

    /** What a fast-path attempt came to. */
    public sealed interface Fast {
        /** Nothing cached for this user and credential: a full authentication is needed. */
        record Miss() implements Fast {
        }

        /** The response does not prove the password the cached entry was made from. */
        record Denied() implements Fast {
        }

        /** The response proves the password; {@code loginSecret} is what the full authentication kept. */
        record Passed(byte[] loginSecret) implements Fast {
        }
    }

    private record Entry(String credential, byte[] stage2, byte[] iv, byte[] sealed) {
    }

    private final int capacity;
    private final SecureRandom random;
    private final Map<String, Entry> entries;
    private final LongAdder fastAuthentications = new LongAdder();
    private final LongAdder fullAuthentications = new LongAdder();

    public CachingSha2Cache(int capacity, SecureRandom random) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
        }
        this.capacity = capacity;
        this.random = random;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > CachingSha2Cache.this.capacity;
            }
        };
    }

    /**
     * Checks a fast-path {@code response} to {@code nonce} for {@code user}, whose stored credential
     * is now {@code credential}. An entry made for another credential is dropped and counts as a miss.
     */
    public Fast fast(String user, String credential, byte[] nonce, byte[] response) {
        Entry entry;
        synchronized (this) {
            entry = entries.get(user);
            if (entry != null && !entry.credential().equals(credential)) {
                entries.remove(user);
                entry = null;
            }
        }
        if (entry == null) {
            return new Fast.Miss();
        }
        byte[] stage1 = CachingSha2Password.check(entry.stage2(), nonce, response);
        if (stage1 == null) {
            return new Fast.Denied();
        }
        try {
            return new Fast.Passed(open(user, entry, stage1));
        } catch (GeneralSecurityException e) {
            // Only a different password could fail to open it, and that was excluded above.
            throw new IllegalStateException("a cached login secret of " + user + " did not open", e);
        } finally {
            Arrays.fill(stage1, (byte) 0);
        }
    }

    /**
     * Fills the cache after a full authentication of {@code user} with {@code password} against
     * {@code credential}, keeping {@code loginSecret} sealed for later fast-path logins.
     */
    public void remember(String user, String credential, byte[] password, byte[] loginSecret) {
        byte[] stage1 = CachingSha2Password.stage1(password);
        try {
            byte[] iv = new byte[IV_LENGTH];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(stage1), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(associated(user, credential));
            Entry entry = new Entry(credential, CachingSha2Password.stage2(stage1), iv, cipher.doFinal(loginSecret));
            synchronized (this) {
                entries.put(user, entry);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is a required JDK algorithm", e);
        } finally {
            Arrays.fill(stage1, (byte) 0);
        }
    }

    /** Drops what is cached for {@code user} (the database no longer lets it log in). */
    public synchronized void forget(String user) {
        entries.remove(user);
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Counts a login that took the fast path (0x01 0x03 fast_auth_success). */
    public void countFast() {
        fastAuthentications.increment();
    }

    /** Counts a login that went through full authentication (0x01 0x04, password over TLS). */
    public void countFull() {
        fullAuthentications.increment();
    }

    /** Logins that took the fast path, database and config users alike. */
    public long fastAuthentications() {
        return fastAuthentications.sum();
    }

    /** Logins that completed a full authentication. */
    public long fullAuthentications() {
        return fullAuthentications.sum();
    }

    private static byte[] open(String user, Entry entry, byte[] stage1) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key(stage1), new GCMParameterSpec(TAG_BITS, entry.iv()));
        cipher.updateAAD(associated(user, entry.credential()));
        return cipher.doFinal(entry.sealed());
    }

    /** A key only {@code SHA256(password)} yields; distinct from the cached SHA256(SHA256(password)) by its label. */
    private static SecretKeySpec key(byte[] stage1) {
        return new SecretKeySpec(CachingSha2Password.sha256(KEY_LABEL, stage1), "AES");
    }

    /** Binds a sealed secret to its user and credential, so an entry cannot be moved to another user. */
    private static byte[] associated(String user, String credential) {
        return (user + '\0' + credential).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "CachingSha2Cache[" + size() + " of " + capacity + "]";
    }
}
