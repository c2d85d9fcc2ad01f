package io.auriga.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.TokenKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class TokensTest {
    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
    private static final KeyPair KEYS = TokenKeys.generate();
    private static final Tokens TOKENS = new Tokens(KEYS.getPublic(), Duration.ofHours(1),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void anIssuedTokenLogsItsUserIn() throws Exception {
        String token = Tokens.issue(KEYS.getPrivate(), "app", Duration.ofMinutes(15), NOW);
        TOKENS.check(token, "app");
        assertEquals(3, token.split("\\.").length);
        assertTrue(token.length() < 300, token);
    }

    @Test
    void theTokenOfAnotherUserOrKeyIsRefused() {
        String token = Tokens.issue(KEYS.getPrivate(), "app", Duration.ofMinutes(15), NOW);
        assertRefused(token, "bob", "token is for \"app\", not for this user");
        String foreign = Tokens.issue(TokenKeys.generate().getPrivate(), "app", Duration.ofMinutes(15), NOW);
        assertRefused(foreign, "app", "token signature does not verify with the configured public key");
    }

    @Test
    void whileAKeyIsRotatedTokensOfBothKeysAreAccepted() throws Exception {
        KeyPair next = TokenKeys.generate();
        Tokens rotating = new Tokens(java.util.List.of(KEYS.getPublic(), next.getPublic()), Duration.ofHours(1),
                Clock.fixed(NOW, ZoneOffset.UTC));
        rotating.check(Tokens.issue(KEYS.getPrivate(), "app", Duration.ofMinutes(15), NOW), "app");
        rotating.check(Tokens.issue(next.getPrivate(), "app", Duration.ofMinutes(15), NOW), "app");
        String foreign = Tokens.issue(TokenKeys.generate().getPrivate(), "app", Duration.ofMinutes(15), NOW);
        AuthException e = assertThrows(AuthException.class, () -> rotating.check(foreign, "app"));
        assertEquals("token signature does not verify with the configured public keys", e.getMessage());
    }

    @Test
    void aChangedClaimBreaksTheSignature() {
        String[] parts = Tokens.issue(KEYS.getPrivate(), "app", Duration.ofMinutes(15), NOW).split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String forged = parts[0] + "." + b64(claims.replace("\"app\"", "\"root\"")) + "." + parts[2];
        assertRefused(forged, "root", "token signature does not verify with the configured public key");
    }

    @Test
    void expiryIsRequiredAndBounded() throws Exception {
        assertRefused(Tokens.issue(KEYS.getPrivate(), "app", Duration.ofMinutes(15), NOW.minus(Duration.ofMinutes(20))),
                "app", "token expired at 2026-11-27T09:55:00Z");
        // Within the minute of clock difference allowed, an expired token still passes.
        TOKENS.check(Tokens.issue(KEYS.getPrivate(), "app", Duration.ofMinutes(15), NOW.minusSeconds(930)), "app");
        assertRefused(Tokens.issue(KEYS.getPrivate(), "app", Duration.ofHours(2), NOW), "app",
                "token valid until 2026-11-27T12:00:00Z, longer than max-ttl PT1H from now");
        assertRefused(signed("{\"sub\":\"app\"}"), "app", "token claim exp is missing");
        assertRefused(signed("{\"sub\":\"app\",\"exp\":\"soon\"}"), "app", "token claim exp is not a number");
    }

    @Test
    void timesOutOfRangeAreRefusedLikeAnyBadToken() {
        assertRefused(signed("{\"sub\":\"app\",\"exp\":99999999999999999999}"), "app",
                "token claim exp 99999999999999999999 is not a time in seconds since 1970");
        assertRefused(signed("{\"sub\":\"app\",\"exp\":-9223372036854775808}"), "app",
                "token claim exp -9223372036854775808 is not a time in seconds since 1970");
        assertRefused(signed("{\"sub\":\"app\",\"exp\":1.5e300}"), "app",
                "token claim exp 1.5E300 is not a time in seconds since 1970");
        long exp = NOW.plusSeconds(600).getEpochSecond();
        assertRefused(signed("{\"sub\":\"app\",\"exp\":" + exp + ",\"iat\":9223372036854775807}"), "app",
                "token claim iat 9223372036854775807 is not a time in seconds since 1970");
    }

    @Test
    void aTokenFromTheFutureIsRefused() {
        assertRefused(Tokens.issue(KEYS.getPrivate(), "app", Duration.ofMinutes(15), NOW.plusSeconds(120)), "app",
                "token iat 2026-11-27T10:02:00Z is in the future");
        long exp = NOW.plusSeconds(600).getEpochSecond();
        assertRefused(signed("{\"sub\":\"app\",\"exp\":" + exp + ",\"nbf\":" + (exp - 60) + "}"), "app",
                "token nbf 2026-11-27T10:09:00Z is in the future");
    }

    @Test
    void theAudienceMustNameAurigaWhenPresent() throws Exception {
        long exp = NOW.plusSeconds(600).getEpochSecond();
        TOKENS.check(signed("{\"sub\":\"app\",\"exp\":" + exp + "}"), "app");
        TOKENS.check(signed("{\"sub\":\"app\",\"exp\":" + exp + ",\"aud\":[\"x\",\"auriga\"]}"), "app");
        assertRefused(signed("{\"sub\":\"app\",\"exp\":" + exp + ",\"aud\":\"billing\"}"), "app",
                "token is meant for \"billing\", not auriga");
    }

    @Test
    void malformedTokensAreRefusedWithAReason() {
        assertRefused("", "app", "not a token: 1 dot-separated parts where 3 were due");
        assertRefused("a.b", "app", "not a token: 2 dot-separated parts where 3 were due");
        assertRefused("!!.b.c", "app", "token header is not base64url");
        assertRefused(b64("not json") + ".b.c", "app", "token header is not JSON");
        assertRefused(b64("[1]") + ".b.c", "app", "token header is not a JSON object");
        assertRefused(b64("{\"alg\":\"none\"}") + "." + b64("{\"sub\":\"app\"}") + ".", "app",
                "token signed with \"none\", not EdDSA");
        assertRefused(b64("{\"alg\":\"HS256\"}") + "." + b64("{\"sub\":\"app\"}") + ".c2ln", "app",
                "token signed with \"HS256\", not EdDSA");
        assertRefused("x".repeat(5000), "app", "token of 5000 characters, over 4096");
    }

    private static void assertRefused(String token, String user, String reason) {
        AuthException e = assertThrows(AuthException.class, () -> TOKENS.check(token, user));
        assertEquals(reason, e.getMessage());
    }

    /** A token with these claims, signed properly. */
    private static String signed(String claims) {
        String signed = b64("{\"alg\":\"EdDSA\"}") + "." + b64(claims);
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(KEYS.getPrivate());
            signer.update(signed.getBytes(StandardCharsets.US_ASCII));
            return signed + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
