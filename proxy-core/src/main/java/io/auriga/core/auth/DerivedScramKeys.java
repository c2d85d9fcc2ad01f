package io.auriga.core.auth;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SCRAM keys a known password yields, kept per salt and iteration count. Deriving them runs
 * PBKDF2 (4096 HMAC rounds by default), which costs milliseconds; without this every backend login
 * of a user configured by password would pay it again although the backends of a cluster hold the
 * same verifier, hence the same salt. The keys are no more secret than the password the proxy
 * already holds beside them.
 *
 * <p>Thread-safe: logins on every event loop share one instance per configured user. Bounded: a
 * salt seen after {@link #MAX_SALTS} others (verifiers changed many times) clears what is kept.
 */
public final class DerivedScramKeys {
    static final int MAX_SALTS = 8;

    private final String password;
    private final Map<Salt, ScramKeys> bySalt = new ConcurrentHashMap<>();

    public DerivedScramKeys(String password) {
        this.password = password;
    }

    /** The keys for this salt and iteration count, derived on first use. */
    public ScramKeys keys(byte[] salt, int iterations) {
        Salt key = new Salt(salt.clone(), iterations);
        ScramKeys known = bySalt.get(key);
        if (known != null) {
            return known;
        }
        ScramKeys derived = ScramVerifier.keys(password, salt, iterations);
        if (bySalt.size() >= MAX_SALTS) {
            bySalt.clear();
        }
        bySalt.put(key, derived);
        return derived;
    }

    /** How many salts have keys kept (for tests). */
    int size() {
        return bySalt.size();
    }

    /** A salt and iteration count, compared by content. */
    private record Salt(byte[] salt, int iterations) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Salt s && iterations == s.iterations && Arrays.equals(salt, s.salt);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(salt) + iterations;
        }
    }

    @Override
    public String toString() {
        return "DerivedScramKeys";
    }
}
