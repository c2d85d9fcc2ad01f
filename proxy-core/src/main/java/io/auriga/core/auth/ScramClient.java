package io.auriga.core.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The client side of a SCRAM-SHA-256 exchange, used by the proxy to log in to a backend on a
 * client's behalf with keys rather than a password ({@link LoginSecret#scramKeys}).
 * It also checks the server's signature, so a backend that does not hold the verifier is refused.
 */
public final class ScramClient {
    private static final String GS2_HEADER = "n,,";
    private final LoginSecret secret;
    private final String clientFirstBare;
    private byte[] serverKey;
    private String authMessage;

    public ScramClient(LoginSecret secret, SecureRandom random) {
        // PostgreSQL takes the user from the startup packet and ignores n= here, as libpq sends it.
        this(secret, "", ScramServer.randomNonce(random));
    }

    /** With a given user name and nonce, for checking against published test vectors. */
    ScramClient(LoginSecret secret, String user, String clientNonce) {
        this.secret = secret;
        this.clientFirstBare = "n=" + user + ",r=" + clientNonce;
    }

    public String clientFirst() {
        return GS2_HEADER + clientFirstBare;
    }

    /** Answers the server-first message with client-final, proving knowledge of the ClientKey. */
    public String clientFinal(String serverFirst) throws AuthException {
        String nonce = ScramServer.attribute(serverFirst, 'r');
        String salt = ScramServer.attribute(serverFirst, 's');
        String iterations = ScramServer.attribute(serverFirst, 'i');
        if (nonce == null || salt == null || iterations == null
                || !nonce.startsWith(ScramServer.attribute(clientFirstBare, 'r'))) {
            throw new AuthException("malformed SCRAM server-first message from backend");
        }
        ScramKeys keys;
        try {
            keys = secret.scramKeys(Base64.getDecoder().decode(salt), Integer.parseInt(iterations))
                    .orElseThrow(() -> new AuthException(
                            "backend holds a different SCRAM verifier for this user than the one checked"));
        } catch (IllegalArgumentException e) {
            throw new AuthException("malformed SCRAM server-first message from backend");
        }
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(ScramVerifier.utf8(GS2_HEADER)) + ",r=" + nonce;
        authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] proof = Crypto.xor(keys.clientKey(), Crypto.hmac(keys.storedKey(), authMessage));
        serverKey = keys.serverKey();
        return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    }

    /** Checks the backend's server-final message. */
    public void verifyServerFinal(String serverFinal) throws AuthException {
        String error = ScramServer.attribute(serverFinal, 'e');
        if (error != null) {
            throw new AuthException("backend refused SCRAM authentication: " + error);
        }
        String signature = ScramServer.attribute(serverFinal, 'v');
        if (signature == null || authMessage == null) {
            throw new AuthException("malformed SCRAM server-final message from backend");
        }
        byte[] expected = Crypto.hmac(serverKey, authMessage);
        if (!MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature))) {
            throw new AuthException("backend's SCRAM server signature is wrong: it does not hold this user's verifier");
        }
    }
}
