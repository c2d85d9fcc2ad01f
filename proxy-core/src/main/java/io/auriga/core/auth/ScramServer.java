package io.auriga.core.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802 §5), checked against a stored
 * {@link ScramVerifier}. On success it yields the client's ClientKey, which — with the verifier —
 * lets the proxy log in as that user to any instance holding the same verifier.
 *
 * <pre>
 *   client-first  n,,n=user,r=cnonce           → server-first  r=cnonce+snonce,s=salt,i=4096
 *   client-final  c=biws,r=cnonce+snonce,p=..  → server-final  v=signature   (or failure)
 * </pre>
 * Channel binding is never offered (the client's TLS channel is not the backend's), so the
 * gs2 header must be {@code n,,} or {@code y,,}.
 */
public final class ScramServer {
    private final ScramVerifier verifier;
    private final String serverNonce;
    private String clientFirstBare;
    private String serverFirst;
    private String gs2Header;
    private String nonce;

    public ScramServer(ScramVerifier verifier, SecureRandom random) {
        this(verifier, randomNonce(random));
    }

    /** With a given server nonce, for checking against published test vectors. */
    ScramServer(ScramVerifier verifier, String serverNonce) {
        this.verifier = verifier;
        this.serverNonce = serverNonce;
    }

    static String randomNonce(SecureRandom random) {
        byte[] raw = new byte[18];
        random.nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    /** Answers client-first with server-first; throws {@link AuthException} on a malformed message. */
    public String serverFirst(String clientFirst) throws AuthException {
        if (clientFirst.startsWith("p=")) {
            throw new AuthException("channel binding was not offered and cannot be used");
        }
        if (!clientFirst.startsWith("n,") && !clientFirst.startsWith("y,")) {
            throw new AuthException("malformed SCRAM client-first message");
        }
        int second = clientFirst.indexOf(',', 2);
        if (second < 0) {
            throw new AuthException("malformed SCRAM client-first message");
        }
        gs2Header = clientFirst.substring(0, second + 1);
        clientFirstBare = clientFirst.substring(second + 1);
        String clientNonce = attribute(clientFirstBare, 'r');
        if (clientNonce == null || clientNonce.isEmpty()) {
            throw new AuthException("SCRAM client-first message has no nonce");
        }
        nonce = clientNonce + serverNonce;
        serverFirst = "r=" + nonce + ",s=" + verifier.saltBase64() + ",i=" + verifier.iterations();
        return serverFirst;
    }

    /**
     * Checks client-final. Returns the recovered ClientKey and the server-final message, or
     * throws {@link AuthException} when the proof is wrong.
     */
    public Result finish(String clientFinal) throws AuthException {
        if (serverFirst == null) {
            throw new AuthException("SCRAM client-final before client-first");
        }
        int proofAt = clientFinal.lastIndexOf(",p=");
        if (proofAt < 0) {
            throw new AuthException("SCRAM client-final message has no proof");
        }
        String withoutProof = clientFinal.substring(0, proofAt);
        String binding = attribute(withoutProof, 'c');
        String expectedBinding = Base64.getEncoder().encodeToString(ScramVerifier.utf8(gs2Header));
        if (!expectedBinding.equals(binding)) {
            throw new AuthException("SCRAM channel binding does not match");
        }
        if (!nonce.equals(attribute(withoutProof, 'r'))) {
            throw new AuthException("SCRAM nonce does not match");
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(clientFinal.substring(proofAt + 3));
        } catch (IllegalArgumentException e) {
            throw new AuthException("SCRAM proof is not base64");
        }
        if (proof.length != 32) {
            throw new AuthException("SCRAM proof has the wrong length");
        }
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] clientSignature = Crypto.hmac(verifier.storedKey(), authMessage);
        byte[] clientKey = Crypto.xor(proof, clientSignature);
        if (!MessageDigest.isEqual(Crypto.sha256(clientKey), verifier.storedKey())) {
            throw new AuthException("password does not match");
        }
        byte[] serverSignature = Crypto.hmac(verifier.serverKey(), authMessage);
        return new Result(clientKey, "v=" + Base64.getEncoder().encodeToString(serverSignature));
    }

    /** The outcome of a successful exchange. */
    public record Result(byte[] clientKey, String serverFinal) {
    }

    /** The value of attribute {@code name} in a comma-separated SCRAM message, or null. */
    static String attribute(String message, char name) {
        for (String part : message.split(",")) {
            if (part.length() >= 2 && part.charAt(0) == name && part.charAt(1) == '=') {
                return part.substring(2);
            }
        }
        return null;
    }
}
