package io.auriga.core.tls;

import io.auriga.config.TlsConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The four PEM files of a private certificate authority and the server certificate it issued,
 * as {@link CertificateAuthority#ensure} left them in one directory.
 *
 * @param caCert     {@code ca.crt}: what clients trust ({@code sslrootcert=}, {@code --ssl-ca=})
 * @param caKey      {@code ca.key}: PKCS#8, owner-only; needed only to issue new server certificates
 * @param serverCert {@code server.crt}: the server certificate
 * @param serverKey  {@code server.key}: PKCS#8, owner-only
 * @param outcome    what {@code ensure} had to do to produce them
 */
public record TlsFiles(Path caCert, Path caKey, Path serverCert, Path serverKey, Outcome outcome) {

    /** File names inside the directory; fixed so that operators and docs can name them. */
    public static final String CA_CERT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String SERVER_CERT = "server.crt";
    static final String SERVER_KEY = "server.key";

    public TlsFiles {
        Objects.requireNonNull(caCert, "caCert");
        Objects.requireNonNull(caKey, "caKey");
        Objects.requireNonNull(serverCert, "serverCert");
        Objects.requireNonNull(serverKey, "serverKey");
        Objects.requireNonNull(outcome, "outcome");
    }

    static TlsFiles in(Path dir, Outcome outcome) {
        return new TlsFiles(dir.resolve(CA_CERT), dir.resolve(CA_KEY), dir.resolve(SERVER_CERT),
                dir.resolve(SERVER_KEY), outcome);
    }

    /** The TLS configuration that serves these files in the given mode. */
    public TlsConfig toConfig(TlsConfig.TlsMode mode) {
        return new TlsConfig(mode, serverCert, serverKey);
    }

    /** What had to be done to make the files usable. */
    public enum Outcome {
        /** A new authority and server certificate were generated; clients must trust the new {@code ca.crt}. */
        CREATED,
        /** The authority was kept and a new server certificate issued; clients keep working unchanged. */
        SERVER_REISSUED,
        /** Everything on disk was valid, covered the requested names and was kept. */
        REUSED
    }
}
