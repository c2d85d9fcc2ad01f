package io.auriga.config;

/**
 * A user the proxy authenticates from its own configuration rather than from the database.
 * Exactly one of {@code password} and {@code scramVerifier} is set. A {@code token} user logs in
 * with a login token only, and {@code password} is the database password the proxy logs in with on
 * its behalf.
 */
public record UserConfig(String name, Secret password, String scramVerifier, boolean token) {
}
