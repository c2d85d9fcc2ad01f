package io.auriga.core.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void createsCaAndServerCertificateWithSubjectAltNames() throws Exception {
        TlsFiles files = CertificateAuthority.ensure(dir, List.of("localhost", "127.0.0.1", "DB.Example.COM"), CLOCK);

        assertEquals(TlsFiles.Outcome.CREATED, files.outcome());
        assertEquals(dir.resolve("ca.crt"), files.caCert());
        X509Certificate ca = PemFiles.readCertificates(files.caCert()).get(0);
        List<X509Certificate> chain = PemFiles.readCertificates(files.serverCert());
        assertEquals(1, chain.size(), "only the leaf is served");
        X509Certificate leaf = chain.get(0);

        assertTrue(ca.getBasicConstraints() >= 0, "CA certificate must be a CA");
        ca.verify(ca.getPublicKey());
        leaf.verify(ca.getPublicKey());
        assertEquals(-1, leaf.getBasicConstraints(), "server certificate must not be a CA");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage());
        assertEquals(Set.of("2:localhost", "2:db.example.com", "7:127.0.0.1"), subjectAltNames(leaf));

        assertDays(3650, ca);
        assertDays(365, leaf);
        assertTrue(ca.getNotBefore().toInstant().isBefore(NOW), "backdated for clients with slow clocks");
    }

    @Test
    void issuesClientCertificatesFromTheAuthorityInTheDirectory() throws Exception {
        TlsFiles files = CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);
        Path cert = dir.resolve("ops.crt");
        Path key = dir.resolve("ops.key");

        CertificateAuthority.issueClient(dir, " ops ", cert, key, CLOCK);

        X509Certificate ca = PemFiles.readCertificates(files.caCert()).get(0);
        X509Certificate leaf = PemFiles.readCertificates(cert).get(0);
        leaf.verify(ca.getPublicKey());
        assertEquals("CN=ops,O=Auriga", leaf.getSubjectX500Principal().getName());
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage(), "for TLS clients only");
        assertEquals(-1, leaf.getBasicConstraints());
        assertDays(365, leaf);
        assertTrue(Keys.matches(PemFiles.readPrivateKey(key), leaf.getPublicKey()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(TlsFiles.Outcome.REUSED, CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK).outcome(),
                "the authority and server certificate are left as they were");
    }

    @Test
    void aClientCertificateNeedsAnAuthorityAndAName() throws Exception {
        java.io.IOException none = assertThrows(java.io.IOException.class, () -> CertificateAuthority.issueClient(
                dir.resolve("empty"), "ops", dir.resolve("ops.crt"), dir.resolve("ops.key"), CLOCK));
        assertEquals("no usable certificate authority in " + dir.resolve("empty") + " (auriga cert creates one)",
                none.getMessage());
        CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);
        assertThrows(IllegalArgumentException.class, () -> CertificateAuthority.issueClient(dir, " ",
                dir.resolve("ops.crt"), dir.resolve("ops.key"), CLOCK));
        assertFalse(Files.exists(dir.resolve("ops.crt")));
    }

    @Test
    void writesPkcs8KeysReadableOnlyByOwner() throws Exception {
        TlsFiles files = CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);

        for (Path key : List.of(files.caKey(), files.serverKey())) {
            assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"), key + " is PKCS#8");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        }
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.caCert())));
        assertTrue(Keys.matches(PemFiles.readPrivateKey(files.serverKey()),
                PemFiles.readCertificates(files.serverCert()).get(0).getPublicKey()));
        try (var stream = Files.list(dir)) {
            assertEquals(4, stream.count(), "no temporary files left behind");
        }
    }

    @Test
    void reusesValidFilesCoveringTheHosts() throws Exception {
        CertificateAuthority.ensure(dir, List.of("localhost", "127.0.0.1"), CLOCK);
        byte[] serverCert = Files.readAllBytes(dir.resolve("server.crt"));
        byte[] caKey = Files.readAllBytes(dir.resolve("ca.key"));

        TlsFiles again = CertificateAuthority.ensure(dir, List.of("127.0.0.1", "LOCALHOST"),
                Clock.offset(CLOCK, Duration.ofDays(100)));

        assertEquals(TlsFiles.Outcome.REUSED, again.outcome());
        assertArrayEquals(serverCert, Files.readAllBytes(dir.resolve("server.crt")));
        assertArrayEquals(caKey, Files.readAllBytes(dir.resolve("ca.key")));
    }

    @Test
    void reissuesOnlyTheServerCertificateForANewHost() throws Exception {
        CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);
        byte[] caCert = Files.readAllBytes(dir.resolve("ca.crt"));
        byte[] serverCert = Files.readAllBytes(dir.resolve("server.crt"));

        TlsFiles files = CertificateAuthority.ensure(dir, List.of("localhost", "::1"), CLOCK);

        assertEquals(TlsFiles.Outcome.SERVER_REISSUED, files.outcome());
        assertArrayEquals(caCert, Files.readAllBytes(dir.resolve("ca.crt")), "clients keep trusting the same CA");
        assertFalse(java.util.Arrays.equals(serverCert, Files.readAllBytes(dir.resolve("server.crt"))));
        assertEquals(Set.of("2:localhost", "7:0:0:0:0:0:0:0:1"),
                subjectAltNames(PemFiles.readCertificates(files.serverCert()).get(0)));
    }

    @Test
    void reissuesTheServerCertificateShortlyBeforeItExpires() throws Exception {
        CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);
        byte[] caCert = Files.readAllBytes(dir.resolve("ca.crt"));

        TlsFiles files = CertificateAuthority.ensure(dir, List.of("localhost"), Clock.offset(CLOCK, Duration.ofDays(340)));

        assertEquals(TlsFiles.Outcome.SERVER_REISSUED, files.outcome());
        assertArrayEquals(caCert, Files.readAllBytes(dir.resolve("ca.crt")));
    }

    @Test
    void replacesEverythingWhenTheCaKeyIsUnusable() throws Exception {
        CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);
        byte[] caCert = Files.readAllBytes(dir.resolve("ca.crt"));
        Files.writeString(dir.resolve("ca.key"), "not a key");

        TlsFiles files = CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);

        assertEquals(TlsFiles.Outcome.CREATED, files.outcome());
        assertNotEquals(new String(caCert), Files.readString(dir.resolve("ca.crt")));
        X509Certificate ca = PemFiles.readCertificates(files.caCert()).get(0);
        PemFiles.readCertificates(files.serverCert()).get(0).verify(ca.getPublicKey());
    }

    @Test
    void reissuesWhenTheServerKeyDoesNotMatch() throws Exception {
        CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);
        Files.copy(dir.resolve("ca.key"), dir.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertEquals(TlsFiles.Outcome.SERVER_REISSUED, CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK).outcome());
    }

    @Test
    void createAlwaysMakesANewAuthority() throws Exception {
        CertificateAuthority.ensure(dir, List.of("localhost"), CLOCK);
        String caCert = Files.readString(dir.resolve("ca.crt"));

        TlsFiles files = CertificateAuthority.create(dir, List.of("localhost"), CLOCK);

        assertEquals(TlsFiles.Outcome.CREATED, files.outcome());
        assertNotEquals(caCert, Files.readString(dir.resolve("ca.crt")));
    }

    @Test
    void refusesSomethingThatIsNeitherANameNorAnAddress() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.ensure(dir, List.of("localhost", "http://db:5432"), CLOCK));
        assertTrue(e.getMessage().contains("http://db:5432"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CertificateAuthority.ensure(dir, List.of(), CLOCK));
    }

    @Test
    void sortsHostsIntoDnsNamesAndAddresses() {
        SubjectNames names = SubjectNames.of(List.of("localhost", "10.1.2.3", "[fe80::1]", "*.db.internal", "Host."));

        assertEquals(List.of("localhost", "*.db.internal", "host"), names.dnsNames());
        assertEquals(List.of("10.1.2.3", "fe80:0:0:0:0:0:0:1"),
                names.addresses().stream().map(a -> a.getHostAddress()).toList());
        assertEquals("localhost", names.commonName());
    }

    private static Set<String> subjectAltNames(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream()
                .map(entry -> entry.get(0) + ":" + entry.get(1))
                .collect(Collectors.toSet());
    }

    private static void assertDays(long days, X509Certificate certificate) {
        Duration validity = Duration.between(certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant());
        assertEquals(days, validity.minus(CertificateAuthority.BACKDATE).toDays());
    }
}
