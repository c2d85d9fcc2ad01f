package io.auriga.sandbox;

import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The TLS material of a sandbox's servers: one private authority and one server certificate for
 * {@code localhost} and {@code 127.0.0.1} in {@code DIR/tls} (the demo's proxy certificate comes
 * from the same place, so one {@code ca.crt} verifies every hop), copied next to each server's data,
 * owner-only and owned by the server account, which the servers require of a key file.
 */
public final class SandboxTls {
    /** The names every sandbox server is reached by. */
    public static final List<String> HOSTS = List.of("localhost", "127.0.0.1");

    private SandboxTls() {
    }

    /** Makes {@code sandboxDir/tls} hold the authority and a valid server certificate, reusing what is there. */
    public static TlsFiles ensure(Path sandboxDir) {
        try {
            return CertificateAuthority.ensure(sandboxDir.resolve("tls"), HOSTS);
        } catch (IOException e) {
            throw new SandboxException("cannot write the TLS material in " + sandboxDir.resolve("tls") + ": "
                    + e.getMessage(), e);
        }
    }

    /** The authority certificate the proxy and clients verify a sandbox server against. */
    public static Path caCert(Path sandboxDir) {
        return sandboxDir.resolve("tls").resolve(TlsFiles.CA_CERT);
    }

    /** Copies the server certificate and key to {@code cert} and {@code key}, for {@code user}'s server to read. */
    public static void install(TlsFiles files, Path cert, Path key, ServerUser user) {
        try {
            copy(files.serverCert(), cert);
            copy(files.serverKey(), key);
        } catch (IOException e) {
            throw new SandboxException("cannot install the server certificate in " + cert.getParent() + ": "
                    + e.getMessage(), e);
        }
        user.takeOwnership(cert, false);
        user.takeOwnership(key, false);
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
    }
}
