package io.auriga.core.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private certificate authority in a directory, so that clients can use
 * {@code sslmode=verify-full sslrootcert=ca.crt} (libpq, pgjdbc) or {@code --ssl-ca} (MySQL
 * clients) against the proxy without a public CA.
 *
 * <p>{@link #ensure} is idempotent: it keeps what is on disk while it is valid, re-issues only the
 * server certificate when the requested names changed or it nears expiry (clients that already
 * trust {@code ca.crt} keep working), and creates a new authority only when there is no usable
 * one. Keys are EC P-256, which every supported client accepts; signatures use the JDK's
 * providers, so no security provider is registered globally.
 */
public final class CertificateAuthority {
    /** Long enough that a demo or a small deployment never has to re-distribute {@code ca.crt}. */
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration SERVER_VALIDITY = Duration.ofDays(365);
    /** Material closer than this to expiry is replaced, so a restart never serves a certificate about to lapse. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    /** Client clocks a little behind ours must still accept a certificate issued just now. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);

    private CertificateAuthority() {
    }

    /** {@link #ensure(Path, List, Clock)} with the system clock. */
    public static TlsFiles ensure(Path dir, List<String> hosts) throws IOException {
        return ensure(dir, hosts, Clock.systemUTC());
    }

    /**
     * Makes {@code dir} hold a CA and a server certificate valid now and covering every host,
     * reusing what is there when possible.
     *
     * @param hosts host names and IP literals (IPv6 optionally in brackets) the server is reached by
     * @throws IllegalArgumentException when a host is neither a name nor an address
     * @throws IOException              when the directory or files cannot be written
     */
    public static TlsFiles ensure(Path dir, List<String> hosts, Clock clock) throws IOException {
        SubjectNames names = SubjectNames.of(hosts);
        Instant now = clock.instant();
        TlsFiles files = TlsFiles.in(dir, TlsFiles.Outcome.REUSED);
        Optional<Issuer> existing = loadIssuer(files, now);
        if (existing.isEmpty()) {
            return createAll(dir, names, now);
        }
        Issuer issuer = existing.get();
        Optional<String> problem = serverProblem(files, issuer, names, now);
        if (problem.isEmpty()) {
            log.debug("Reusing TLS material in {} for {}", dir, names);
            return files;
        }
        log.info("Issuing a new server certificate in {} for {}: {}", dir, names, problem.get());
        writeServer(dir, issuer, names, now);
        return TlsFiles.in(dir, TlsFiles.Outcome.SERVER_REISSUED);
    }

    /**
     * Generates a new CA and server certificate in {@code dir}, replacing any files there.
     * Clients must then trust the new {@code ca.crt}.
     */
    public static TlsFiles create(Path dir, List<String> hosts, Clock clock) throws IOException {
        return createAll(dir, SubjectNames.of(hosts), clock.instant());
    }

    /**
     * Issues a client certificate for {@code commonName} from the authority in {@code dir} (as
     * {@link #ensure} left it), for a client that proves itself to a listener trusting that
     * authority, such as the admin API with {@code admin.tls.client-ca}. The certificate is valid
     * for TLS clients only, for as long as a server certificate, and is written with its key to
     * {@code cert} and {@code key} (owner-only), replacing what is there.
     *
     * @throws IllegalArgumentException when {@code commonName} is blank
     * @throws IOException              when {@code dir} holds no usable authority, or a file cannot be written
     */
    public static void issueClient(Path dir, String commonName, Path cert, Path key, Clock clock) throws IOException {
        if (commonName == null || commonName.isBlank()) {
            throw new IllegalArgumentException("a client certificate needs a name");
        }
        Instant now = clock.instant();
        TlsFiles files = TlsFiles.in(dir, TlsFiles.Outcome.REUSED);
        Issuer issuer = loadIssuer(files, now).orElseThrow(() -> new IOException("no usable certificate authority in "
                + dir + " (auriga cert creates one)"));
        KeyPair pair = newKeyPair(new SecureRandom());
        X509Certificate leaf;
        try {
            ExtendedKeyUsage clientOnly = new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
            leaf = sign(leafBuilder(issuer, name(commonName.strip()), pair, now)
                    .addExtension(Extension.extendedKeyUsage, false, clientOnly), issuer.key());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IOException("cannot create a client certificate: " + e.getMessage(), e);
        }
        PemFiles.writePrivateKey(key, pair.getPrivate());
        PemFiles.writeCertificates(cert, List.of(leaf));
        log.info("Issued a client certificate for {} from the authority in {}", commonName.strip(), dir);
    }

    private static TlsFiles createAll(Path dir, SubjectNames names, Instant now) throws IOException {
        Files.createDirectories(dir);
        Issuer issuer = newIssuer(now);
        // The key is written before the certificate: a crash in between leaves a pair that does
        // not match, which the next ensure() detects and replaces rather than serving.
        PemFiles.writePrivateKey(dir.resolve(TlsFiles.CA_KEY), issuer.key());
        PemFiles.writeCertificates(dir.resolve(TlsFiles.CA_CERT), List.of(issuer.certificate()));
        writeServer(dir, issuer, names, now);
        log.info("Created a certificate authority and a server certificate for {} in {}", names, dir);
        return TlsFiles.in(dir, TlsFiles.Outcome.CREATED);
    }

    /** A CA certificate with its key. */
    private record Issuer(X509Certificate certificate, PrivateKey key) {
    }

    private static Optional<Issuer> loadIssuer(TlsFiles files, Instant now) {
        if (!Files.exists(files.caCert()) || !Files.exists(files.caKey())) {
            return Optional.empty();
        }
        try {
            X509Certificate ca = PemFiles.readCertificates(files.caCert()).get(0);
            PrivateKey key = PemFiles.readPrivateKey(files.caKey());
            String problem = null;
            if (ca.getBasicConstraints() < 0) {
                problem = "it is not a CA certificate";
            } else if (!Keys.matches(key, ca.getPublicKey())) {
                problem = files.caKey() + " does not belong to it";
            } else if (!validBeyond(ca, now, RENEW_BEFORE)) {
                problem = "it expires " + ca.getNotAfter().toInstant();
            }
            if (problem == null) {
                ca.verify(ca.getPublicKey());
                return Optional.of(new Issuer(ca, key));
            }
            log.warn("Replacing the certificate authority {}: {}", files.caCert(), problem);
        } catch (TlsMaterialException | GeneralSecurityException e) {
            log.warn("Replacing the certificate authority in {}: {}", files.caCert().getParent(), e.getMessage());
        }
        return Optional.empty();
    }

    /** Why the server files on disk cannot be kept, or empty when they can. */
    private static Optional<String> serverProblem(TlsFiles files, Issuer issuer, SubjectNames names, Instant now) {
        if (!Files.exists(files.serverCert()) || !Files.exists(files.serverKey())) {
            return Optional.of("no server certificate yet");
        }
        try {
            X509Certificate leaf = PemFiles.readCertificates(files.serverCert()).get(0);
            PrivateKey key = PemFiles.readPrivateKey(files.serverKey());
            if (!leaf.getIssuerX500Principal().equals(issuer.certificate().getSubjectX500Principal())) {
                return Optional.of("it was issued by another authority");
            }
            leaf.verify(issuer.certificate().getPublicKey());
            if (!validBeyond(leaf, now, RENEW_BEFORE)) {
                return Optional.of("it expires " + leaf.getNotAfter().toInstant());
            }
            if (!names.coveredBy(leaf)) {
                return Optional.of("it does not cover every requested name");
            }
            if (!Keys.matches(key, leaf.getPublicKey())) {
                return Optional.of(files.serverKey() + " does not belong to it");
            }
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains(KeyPurposeId.id_kp_serverAuth.getId())) {
                return Optional.of("it is not valid for TLS servers");
            }
            return Optional.empty();
        } catch (TlsMaterialException | GeneralSecurityException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static boolean validBeyond(X509Certificate certificate, Instant now, Duration margin) {
        return !certificate.getNotBefore().toInstant().isAfter(now)
                && certificate.getNotAfter().toInstant().isAfter(now.plus(margin));
    }

    private static Issuer newIssuer(Instant now) throws IOException {
        SecureRandom random = new SecureRandom();
        KeyPair pair = newKeyPair(random);
        // A random suffix tells apart authorities generated on different machines or days,
        // which helps when a client trusts the wrong ca.crt.
        byte[] id = new byte[4];
        random.nextBytes(id);
        X500Name name = name("Auriga CA " + HexFormat.of().formatHex(id));
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(random),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), name, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()));
            return new Issuer(sign(builder, pair.getPrivate()), pair.getPrivate());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IOException("cannot create a CA certificate: " + e.getMessage(), e);
        }
    }

    private static void writeServer(Path dir, Issuer issuer, SubjectNames names, Instant now) throws IOException {
        KeyPair pair = newKeyPair(new SecureRandom());
        X509Certificate leaf;
        try {
            leaf = sign(leafBuilder(issuer, name(names.commonName()), pair, now)
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, names.toGeneralNames()), issuer.key());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IOException("cannot create a server certificate: " + e.getMessage(), e);
        }
        // Only the leaf is served: clients are given ca.crt as their trust anchor, and sending the
        // root again would add bytes to every handshake for nothing.
        PemFiles.writePrivateKey(dir.resolve(TlsFiles.SERVER_KEY), pair.getPrivate());
        PemFiles.writeCertificates(dir.resolve(TlsFiles.SERVER_CERT), List.of(leaf));
    }

    /** What server and client certificates share: an end entity for signatures, issued by {@code issuer}. */
    private static X509v3CertificateBuilder leafBuilder(Issuer issuer, X500Name subject, KeyPair pair, Instant now)
            throws GeneralSecurityException, CertIOException {
        Instant notAfter = now.plus(SERVER_VALIDITY);
        Instant caNotAfter = issuer.certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(caNotAfter)) {
            notAfter = caNotAfter; // a leaf outliving its issuer would be rejected anyway
        }
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        return new JcaX509v3CertificateBuilder(issuer.certificate(), serial(new SecureRandom()),
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.subjectKeyIdentifier, false,
                        extensions.createSubjectKeyIdentifier(pair.getPublic()))
                .addExtension(Extension.authorityKeyIdentifier, false,
                        extensions.createAuthorityKeyIdentifier(issuer.certificate()));
    }

    private static KeyPair newKeyPair(SecureRandom random) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate an EC P-256 key: " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        var signer = new JcaContentSignerBuilder(Keys.signatureAlgorithm(key)).build(key);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Auriga").addRDN(BCStyle.CN, commonName).build();
    }

    /** Positive, random and at most 20 octets, as RFC 5280 requires. */
    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(159, random).add(BigInteger.ONE);
    }
}
