package io.auriga.core.auth;

/** What a connecting client is checked against: the verifier, hash or password the proxy knows. */
public sealed interface StoredCredential {

    /** A SCRAM-SHA-256 verifier, from the database or the config. */
    record Scram(ScramVerifier verifier) implements StoredCredential {
    }

    /** A PostgreSQL md5 hash from the database. */
    record Md5(String storedHash) implements StoredCredential {
    }

    /**
     * A MySQL {@code mysql_native_password} hash from the database: {@code *} and the hex of
     * SHA1(SHA1(password)). Whoever holds it can check a client's answer to a scramble.
     */
    record MySqlNative(String storedHash) implements StoredCredential {
    }

    /**
     * A MariaDB {@code ed25519} account's public key (32 bytes, base64 in authentication_string). It
     * checks a password given in clear, and nothing else: it cannot answer a scramble.
     */
    record MySqlEd25519(byte[] publicKey) implements StoredCredential {
        public MySqlEd25519 {
            publicKey = publicKey.clone();
        }

        @Override
        public byte[] publicKey() {
            return publicKey.clone();
        }

        @Override
        public String toString() {
            return "StoredCredential.MySqlEd25519";
        }
    }

    /**
     * A password given in the config, with the verifier derived from it once at start, and the SCRAM
     * keys its backend logins derive, kept for the next ones ({@link #loginSecret}).
     */
    record Password(String password, ScramVerifier verifier, DerivedScramKeys derived) implements StoredCredential {
        public Password(String password, ScramVerifier verifier) {
            this(password, verifier, new DerivedScramKeys(password));
        }

        /** What a client that proved this password leaves the proxy to log in with. */
        public LoginSecret.Password loginSecret() {
            return new LoginSecret.Password(password, derived);
        }

        @Override
        public String toString() {
            return "StoredCredential.Password";
        }
    }

    /**
     * A user who logs in with a token ({@link Tokens}); {@code backend} is the database password the
     * proxy logs in with on the user's behalf, its SCRAM keys shared by every login (clients never run
     * SCRAM against it, so it has no verifier).
     */
    record Token(Tokens tokens, LoginSecret.Password backend) implements StoredCredential {
    }
}
