package io.auriga.core.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** RFC 7677 §3: user "user", password "pencil". */
    @Test
    void matchesTheRfc7677Example() throws Exception {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        ScramVerifier verifier = ScramVerifier.fromPassword("pencil", salt, 4096);
        ScramClient client = new ScramClient(new LoginSecret.Password("pencil"), "user", "rOprNGfwEbeRWgbNEkqO");
        ScramServer server = new ScramServer(verifier, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        assertEquals("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", client.clientFirst());
        String serverFirst = server.serverFirst(client.clientFirst());
        assertEquals("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                serverFirst);
        String clientFinal = client.clientFinal(serverFirst);
        assertEquals("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", clientFinal);
        ScramServer.Result result = server.finish(clientFinal);
        assertEquals("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", result.serverFinal());
        client.verifyServerFinal(result.serverFinal());
    }

    @Test
    void recoveredClientKeyLogsInElsewhereWithoutThePassword() throws Exception {
        ScramVerifier verifier = ScramVerifier.fromPassword("s3cret", RANDOM);
        byte[] clientKey = exchange(verifier, new LoginSecret.Password("s3cret"));
        assertArrayEquals(ScramVerifier.clientKey("s3cret", verifier.salt(), verifier.iterations()), clientKey);

        // A second instance holding the same verifier accepts a login made from the recovered key alone.
        byte[] again = exchange(verifier, new LoginSecret.Scram(verifier, clientKey));
        assertArrayEquals(clientKey, again);
    }

    @Test
    void wrongPasswordIsRefused() {
        ScramVerifier verifier = ScramVerifier.fromPassword("right", RANDOM);
        AuthException e = assertThrows(AuthException.class,
                () -> exchange(verifier, new LoginSecret.Password("wrong")));
        assertEquals("password does not match", e.getMessage());
    }

    @Test
    void recoveredKeyIsRefusedByAServerWithAnotherVerifier() throws Exception {
        ScramVerifier original = ScramVerifier.fromPassword("pw", RANDOM);
        byte[] clientKey = exchange(original, new LoginSecret.Password("pw"));
        ScramVerifier changed = ScramVerifier.fromPassword("pw", RANDOM);
        AuthException e = assertThrows(AuthException.class,
                () -> exchange(changed, new LoginSecret.Scram(original, clientKey)));
        assertTrue(e.getMessage().contains("different SCRAM verifier"), e.getMessage());
    }

    @Test
    void serverWithoutTheVerifierIsDetectedByItsSignature() throws Exception {
        ScramVerifier real = ScramVerifier.fromPassword("pw", RANDOM);
        ScramVerifier forged = new ScramVerifier(real.iterations(), real.salt(), real.storedKey(), new byte[32]);
        ScramClient client = new ScramClient(new LoginSecret.Password("pw"), RANDOM);
        ScramServer server = new ScramServer(forged, RANDOM);
        String clientFinal = client.clientFinal(server.serverFirst(client.clientFirst()));
        ScramServer.Result result = server.finish(clientFinal);
        assertThrows(AuthException.class, () -> client.verifyServerFinal(result.serverFinal()));
    }

    @Test
    void channelBindingIsRefusedAndYHeaderAccepted() throws Exception {
        ScramVerifier verifier = ScramVerifier.fromPassword("pw", RANDOM);
        assertThrows(AuthException.class,
                () -> new ScramServer(verifier, RANDOM).serverFirst("p=tls-server-end-point,,n=,r=abc"));
        assertTrue(new ScramServer(verifier, RANDOM).serverFirst("y,,n=,r=abc").startsWith("r=abc"));
        assertThrows(AuthException.class, () -> new ScramServer(verifier, RANDOM).serverFirst("garbage"));
    }

    @Test
    void verifierRoundTripsThroughItsStoredForm() {
        ScramVerifier v = ScramVerifier.fromPassword("pw", RANDOM);
        ScramVerifier parsed = ScramVerifier.parse(v.encode());
        assertArrayEquals(v.storedKey(), parsed.storedKey());
        assertArrayEquals(v.serverKey(), parsed.serverKey());
        assertArrayEquals(v.salt(), parsed.salt());
        assertThrows(IllegalArgumentException.class, () -> ScramVerifier.parse("md5abc"));
        assertThrows(IllegalArgumentException.class, () -> ScramVerifier.parse("SCRAM-SHA-256$4096:AA==$AA==:AA=="));
    }

    private static byte[] exchange(ScramVerifier serverVerifier, LoginSecret clientSecret) throws AuthException {
        ScramClient client = new ScramClient(clientSecret, RANDOM);
        ScramServer server = new ScramServer(serverVerifier, RANDOM);
        String clientFinal = client.clientFinal(server.serverFirst(client.clientFirst()));
        ScramServer.Result result = server.finish(clientFinal);
        client.verifyServerFinal(result.serverFinal());
        return result.clientKey();
    }
}
