package io.auriga.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.auriga.config.TokenConfig;
import io.auriga.config.TokenKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Login tokens: short-lived JSON Web Tokens (RFC 7519) signed with Ed25519 ({@code alg: EdDSA},
 * RFC 8037), which a client presents instead of a password, in clear over TLS.
 * <pre>
 *   header  {"alg":"EdDSA","typ":"JWT"}
 *   claims  {"sub":"app","aud":"auriga","iat":1764201600,"exp":1764202500}
 *   token   base64url(header) . base64url(claims) . base64url(Ed25519 signature of the first two parts)
 * </pre>
 * {@code auriga token} issues them with the private key; the proxy holds only the public key, so it
 * can check tokens but never make one. Any JWT library can issue them too: a token is accepted when
 * its signature verifies, {@code sub} is the user logging in, {@code exp} is in the future and at most
 * {@code max-ttl} away, {@code iat} and {@code nbf} (when present) are not in the future, and
 * {@code aud} (when present) names {@value #AUDIENCE}. Clocks may differ by {@link #LEEWAY}. Several
 * public keys may be configured while one is rotated: a token signed for any of them is accepted.
 */
public final class Tokens {
    public static final String AUDIENCE = "auriga";
    /** Bounds on a time claim, well inside what {@link Instant} holds: years 0 to 9999. */
    private static final long MIN_TIME = -62_167_219_200L;
    private static final long MAX_TIME = 253_402_300_799L;
    static final Duration LEEWAY = Duration.ofSeconds(60);
    /** Far above any real token (about 250 characters), far below what would cost anything to refuse. */
    static final int MAX_LENGTH = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final String HEADER = B64.encodeToString("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}"
            .getBytes(StandardCharsets.UTF_8));

    private final List<PublicKey> keys;
    private final Duration maxTtl;
    private final Clock clock;

    /** @param keys the public keys a token may be signed for (several while one is rotated) */
    public Tokens(List<PublicKey> keys, Duration maxTtl, Clock clock) {
        this.keys = List.copyOf(keys);
        this.maxTtl = maxTtl;
        this.clock = clock;
    }

    public Tokens(PublicKey key, Duration maxTtl, Clock clock) {
        this(List.of(key), maxTtl, clock);
    }

    /** The checker of a configuration, or null when it has no {@code tokens} block. */
    public static Tokens of(TokenConfig config, Clock clock) {
        return config == null ? null : new Tokens(config.publicKeys(), config.maxTtl(), clock);
    }

    /** A token for {@code user}, valid from {@code now} for {@code ttl}. */
    public static String issue(PrivateKey key, String user, Duration ttl, Instant now) {
        ObjectNode claims = JSON.createObjectNode()
                .put("sub", user)
                .put("aud", AUDIENCE)
                .put("iat", now.getEpochSecond())
                .put("exp", now.plus(ttl).getEpochSecond());
        String signed = HEADER + "." + B64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Signature signer = Signature.getInstance(TokenKeys.ALGORITHM);
            signer.initSign(key);
            signer.update(signed.getBytes(StandardCharsets.US_ASCII));
            return signed + "." + B64.encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
        }
    }

    /**
     * Accepts {@code token} for {@code user} or says why not; the reason is for the log, never the
     * client.
     */
    public void check(String token, String user) throws AuthException {
        if (token.length() > MAX_LENGTH) {
            throw new AuthException("token of " + token.length() + " characters, over " + MAX_LENGTH);
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new AuthException("not a token: " + parts.length + " dot-separated parts where 3 were due");
        }
        JsonNode header = json(parts[0], "header");
        if (!"EdDSA".equals(header.path("alg").asText())) {
            throw new AuthException("token signed with " + header.path("alg") + ", not EdDSA");
        }
        verifySignature(parts);
        JsonNode claims = json(parts[1], "claims");
        if (!user.equals(claims.path("sub").asText(null))) {
            throw new AuthException("token is for " + claims.path("sub") + ", not for this user");
        }
        audience(claims.get("aud"));
        Instant now = clock.instant();
        Instant expires = time(claims, "exp", true);
        if (!expires.isAfter(now.minus(LEEWAY))) {
            throw new AuthException("token expired at " + expires);
        }
        if (expires.isAfter(now.plus(maxTtl).plus(LEEWAY))) {
            throw new AuthException("token valid until " + expires + ", longer than max-ttl " + maxTtl + " from now");
        }
        for (String claim : new String[] {"iat", "nbf"}) {
            Instant at = time(claims, claim, false);
            if (at != null && at.isAfter(now.plus(LEEWAY))) {
                throw new AuthException("token " + claim + " " + at + " is in the future");
            }
        }
    }

    private void verifySignature(String[] parts) throws AuthException {
        byte[] signature = decode(parts[2], "signature");
        byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        try {
            for (PublicKey key : keys) {
                Signature verifier = Signature.getInstance(TokenKeys.ALGORITHM);
                verifier.initVerify(key);
                verifier.update(signed);
                if (verifier.verify(signature)) {
                    return;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new AuthException("token signature cannot be checked: " + e.getMessage());
        }
        throw new AuthException("token signature does not verify with the configured public "
                + (keys.size() == 1 ? "key" : "keys"));
    }

    private static void audience(JsonNode aud) throws AuthException {
        if (aud == null) {
            return;
        }
        if (aud.isArray()) {
            for (JsonNode one : aud) {
                if (AUDIENCE.equals(one.asText())) {
                    return;
                }
            }
        } else if (AUDIENCE.equals(aud.asText())) {
            return;
        }
        throw new AuthException("token is meant for " + aud + ", not " + AUDIENCE);
    }

    private static Instant time(JsonNode claims, String name, boolean required) throws AuthException {
        JsonNode value = claims.get(name);
        if (value == null && !required) {
            return null;
        }
        if (value == null || !value.isNumber()) {
            throw new AuthException("token claim " + name + (value == null ? " is missing" : " is not a number"));
        }
        // A signed token may still carry any number: one that is no time at all is refused like any bad
        // token, never with what Instant says about it.
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < MIN_TIME
                || value.asLong() > MAX_TIME) {
            throw new AuthException("token claim " + name + " " + value + " is not a time in seconds since 1970");
        }
        return Instant.ofEpochSecond(value.asLong());
    }

    private static JsonNode json(String part, String what) throws AuthException {
        byte[] bytes = decode(part, what);
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new AuthException("token " + what + " is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new AuthException("token " + what + " is not JSON");
        }
    }

    private static byte[] decode(String part, String what) throws AuthException {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new AuthException("token " + what + " is not base64url");
        }
    }
}
