package io.auriga.config;

import java.time.Duration;

/**
 * What only a {@code postgres} cluster's endpoints take: how backend connections are kept for reuse.
 *
 * @param poolSize        how many backend connections an endpoint keeps, per instance, event loop and
 *                        login (user, proof of password, database and every parameter of the startup
 *                        packet), when their clients leave outside a transaction: reset with
 *                        {@code DISCARD ALL}, they serve the next client that logs in the same way, which
 *                        then skips the backend's connect, process start and authentication; 0 closes
 *                        every backend connection with its client
 * @param poolIdleTimeout how long a kept connection waits for a client before it is closed
 */
public record PostgresOptions(int poolSize, Duration poolIdleTimeout) {

    /** Reuse connections: up to 16 per login, each kept for 10 s. */
    public static final PostgresOptions DEFAULTS = new PostgresOptions(16, Duration.ofSeconds(10));

    /** The same options with {@code size} connections kept per login (0: none). */
    public PostgresOptions withPoolSize(int size) {
        return new PostgresOptions(size, poolIdleTimeout);
    }
}
