package io.auriga.config;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;

/**
 * How login tokens are checked: signed with the Ed25519 private key whose public key is
 * {@code publicKey}, and valid for at most {@code maxTtl} from the moment they are checked.
 *
 * @param publicKeyFile where the key was read from, for messages
 */
public record TokenConfig(Path publicKeyFile, PublicKey publicKey, Duration maxTtl) {
    public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);
}
