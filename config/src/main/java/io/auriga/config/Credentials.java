package io.auriga.config;

/** A user name and a password already resolved from the environment, a file or the file itself. */
public record Credentials(String user, Secret password) {
}
