package io.auriga.config;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;

/**
 * How login tokens are checked: signed with an Ed25519 private key whose public key is one of
 * {@code publicKeys} (several while a key is being rotated), and valid for at most {@code maxTtl} from
 * the moment they are checked.
 *
 * @param publicKeyFiles where the keys were read from, in order, for messages
 */
public record TokenConfig(List<Path> publicKeyFiles, List<PublicKey> publicKeys, Duration maxTtl) {
    public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);

    public TokenConfig {
        publicKeyFiles = List.copyOf(publicKeyFiles);
        publicKeys = List.copyOf(publicKeys);
        if (publicKeys.isEmpty()) {
            throw new IllegalArgumentException("no public key to check tokens with");
        }
    }

    /** Tokens checked with one key. */
    public TokenConfig(Path publicKeyFile, PublicKey publicKey, Duration maxTtl) {
        this(List.of(publicKeyFile), List.of(publicKey), maxTtl);
    }
}
