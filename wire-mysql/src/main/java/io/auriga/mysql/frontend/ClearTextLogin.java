package io.auriga.mysql.frontend;

import io.auriga.core.auth.AuthException;
import io.auriga.core.auth.StoredCredential;
import io.auriga.core.auth.UserLookup;
import io.auriga.mysql.auth.BackendSecret;
import io.auriga.mysql.auth.Ed25519Password;
import io.auriga.mysql.auth.NativePassword;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.MySqlErrors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The users whose secret the proxy asks for in clear (mysql_clear_password), over TLS only, at login
 * ({@link MySqlAuthHandler}) and at COM_CHANGE_USER ({@link ClientChangeUser}) alike:
 * <pre>
 *   token user        the token, checked by {@code Tokens}     ⇒ SHA1 of the configured database password
 *   ed25519 account   the password: its public key must be the
 *                     stored one                               ⇒ SHA512(password), which signs any nonce
 * </pre>
 * Nothing less will do: a token is not a password, and a client's client_ed25519 signature of a nonce
 * would prove the password to the proxy but leave it nothing to sign the next backend's nonce with
 * (a replica, a new primary after a failover, a kept connection logged in again).
 */
final class ClearTextLogin {

    private ClearTextLogin() {
    }

    /** Whether the user {@code lookup} found logs in with a secret given in clear. */
    static boolean needed(UserLookup lookup) {
        return lookup instanceof UserLookup.Found f && (f.credential() instanceof StoredCredential.Token
                || f.credential() instanceof StoredCredential.MySqlEd25519);
    }

    /** The error for such a user on a connection without TLS, before anything is asked for. */
    static ErrPacket needsTls(UserLookup lookup, String user) {
        return ((UserLookup.Found) lookup).credential() instanceof StoredCredential.Token
                ? MySqlErrors.tokenNeedsTls(user) : MySqlErrors.ed25519NeedsTls(user);
    }

    /**
     * What the backend logins use, when {@code answer} (NUL-terminated) proves the secret of {@code user},
     * whom {@code lookup} found ({@link #needed}).
     *
     * @throws AuthException saying why it does not, for the log
     */
    static BackendSecret check(UserLookup lookup, String user, byte[] answer) throws AuthException {
        StoredCredential credential = ((UserLookup.Found) lookup).credential();
        byte[] secret = MySqlAuthHandler.withoutTrailingNul(answer);
        try {
            if (credential instanceof StoredCredential.Token token) {
                token.tokens().check(new String(secret, StandardCharsets.UTF_8), user);
                return new BackendSecret.Native(NativePassword.stage1(token.backend().value()));
            }
            byte[] az = Ed25519Password.az(secret);
            if (!MessageDigest.isEqual(((StoredCredential.MySqlEd25519) credential).publicKey(),
                    Ed25519Password.publicKey(az))) {
                throw new AuthException("password does not match the ed25519 public key");
            }
            return new BackendSecret.Ed25519(az);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Whether a refused {@code answer} carried anything ("using password: YES"). */
    static boolean usingPassword(byte[] answer) {
        return MySqlAuthHandler.withoutTrailingNul(answer).length > 0;
    }
}
