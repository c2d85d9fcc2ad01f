package io.auriga.config;

/**
 * A user the proxy authenticates from its own configuration rather than from the database.
 * Exactly one of {@code password} and {@code scramVerifier} is set, unless {@code token} is true.
 */
public record UserConfig(String name, Secret password, String scramVerifier, boolean token) {
}
