package io.auriga.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Ed25519 keys of login tokens, as PEM files in the formats OpenSSL writes
 * ({@code openssl genpkey -algorithm ed25519}; {@code openssl pkey -pubout}): a private key
 * ({@code BEGIN PRIVATE KEY}, PKCS #8) signs tokens, a public key ({@code BEGIN PUBLIC KEY},
 * X.509 SubjectPublicKeyInfo) checks them.
 */
public final class TokenKeys {
    public static final String ALGORITHM = "Ed25519";
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private TokenKeys() {
    }

    /** Reads a public key; the message of the exception says what is wrong with the file. */
    public static PublicKey readPublic(Path file) throws IOException {
        byte[] der = pem(file, "PUBLIC KEY");
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + " is not an " + ALGORITHM + " public key");
        }
    }

    /** Reads a private key; the message of the exception says what is wrong with the file. */
    public static PrivateKey readPrivate(Path file) throws IOException {
        byte[] der = pem(file, "PRIVATE KEY");
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + " is not an " + ALGORITHM + " private key");
        }
    }

    /** A new key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is part of every Java 15+ runtime", e);
        }
    }

    /** Where the public key of private key file {@code key} is kept: {@code key.pub} beside it. */
    public static Path publicFileOf(Path key) {
        return key.resolveSibling(key.getFileName() + ".pub");
    }

    /**
     * Writes a new key pair: the private key to {@code key}, readable by its owner only, and the public
     * key to {@link #publicFileOf}. Never overwrites either.
     *
     * @throws java.nio.file.FileAlreadyExistsException when either file exists
     */
    public static PublicKey writeNewPair(Path key) throws IOException {
        Path publicFile = publicFileOf(key);
        for (Path file : new Path[] {key, publicFile}) {
            if (Files.exists(file)) {
                throw new java.nio.file.FileAlreadyExistsException(file.toString());
            }
        }
        Path parent = key.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        KeyPair pair = generate();
        Files.createFile(key, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(key, pem(pair.getPrivate()));
        Files.writeString(publicFile, pem(pair.getPublic()));
        return pair.getPublic();
    }

    /** The PEM text of a public key. */
    public static String pem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    /** The PEM text of a private key. */
    public static String pem(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] pem(Path file, String type) throws IOException {
        String text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    return Base64.getMimeDecoder().decode(m.group(2));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": the " + type + " block is not valid base64");
                }
            }
        }
        throw new IOException(file + " holds no PEM block \"BEGIN " + type + "\"");
    }
}
