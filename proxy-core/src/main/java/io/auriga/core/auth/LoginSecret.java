package io.auriga.core.auth;

import java.util.Arrays;
import java.util.Optional;

/**
 * What the proxy keeps after a client authenticated, so it can log in to any instance as that
 * user later — after a failover too — without storing the password where it never had it.
 */
public sealed interface LoginSecret {

    /** SCRAM keys for the given salt and iterations, when this secret can produce them. */
    Optional<ScramKeys> scramKeys(byte[] salt, int iterations);

    /** The PostgreSQL md5 hash {@code md5<hex>} of password+user, when known. */
    Optional<String> md5Hash(String user);

    /** The password itself, only when the proxy was given it (config users, clear-text logins). */
    Optional<String> password();

    /** A ClientKey recovered from a client's SCRAM proof, valid for its verifier's salt only. */
    record Scram(ScramVerifier verifier, byte[] clientKey) implements LoginSecret {
        @Override
        public Optional<ScramKeys> scramKeys(byte[] salt, int iterations) {
            if (iterations != verifier.iterations() || !Arrays.equals(salt, verifier.salt())) {
                return Optional.empty();
            }
            return Optional.of(new ScramKeys(clientKey, verifier.storedKey(), verifier.serverKey()));
        }

        @Override
        public Optional<String> md5Hash(String user) {
            return Optional.empty();
        }

        @Override
        public Optional<String> password() {
            return Optional.empty();
        }

        @Override
        public String toString() {
            return "LoginSecret.Scram";
        }
    }

    /** A PostgreSQL md5 hash; whoever holds it can answer any salt. */
    record Md5(String storedHash) implements LoginSecret {
        @Override
        public Optional<ScramKeys> scramKeys(byte[] salt, int iterations) {
            return Optional.empty();
        }

        @Override
        public Optional<String> md5Hash(String user) {
            return Optional.of(storedHash);
        }

        @Override
        public Optional<String> password() {
            return Optional.empty();
        }

        @Override
        public String toString() {
            return "LoginSecret.Md5";
        }
    }

    /**
     * A password, which can answer every method. The SCRAM keys come from {@code derived}, which a
     * configured user's logins share, so PBKDF2 runs once per salt rather than once per login.
     */
    record Password(String value, DerivedScramKeys derived) implements LoginSecret {
        /** A password whose SCRAM keys are derived afresh (nothing shared). */
        public Password(String value) {
            this(value, new DerivedScramKeys(value));
        }

        @Override
        public Optional<ScramKeys> scramKeys(byte[] salt, int iterations) {
            return Optional.of(derived.keys(salt, iterations));
        }

        @Override
        public Optional<String> md5Hash(String user) {
            return Optional.of(Md5Password.storedHash(user, value));
        }

        @Override
        public Optional<String> password() {
            return Optional.of(value);
        }

        @Override
        public String toString() {
            return "LoginSecret.Password";
        }
    }
}
