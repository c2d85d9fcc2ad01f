package io.auriga.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Optional;

/**
 * Checks that a file meant to hold trusted certificates holds some, so that an authority file left
 * empty or pointing at a key is refused with the config's other problems instead of failing the
 * first handshake. The proxy reads the file again when it builds its TLS context.
 */
final class CertificateFiles {
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";

    private CertificateFiles() {
    }

    /** Why {@code file} (already known to be readable) holds no usable PEM certificate, or empty if it does. */
    static Optional<String> problem(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            return Optional.of("cannot read " + file + ": " + FileAccess.describe(e));
        }
        if (!new String(content, StandardCharsets.US_ASCII).contains(BEGIN)) {
            return Optional.of(file + " holds no PEM certificate (expected " + BEGIN + ")");
        }
        try {
            CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(content));
            return Optional.empty();
        } catch (CertificateException | RuntimeException e) {
            return Optional.of(file + " is not a valid PEM certificate file (" + e.getMessage() + ")");
        }
    }
}
