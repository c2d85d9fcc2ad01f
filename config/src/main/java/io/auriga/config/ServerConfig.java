package io.auriga.config;

import java.time.Duration;

/**
 * Process-wide limits and defaults for every endpoint.
 *
 * @param bindHost          address the endpoints listen on unless an endpoint names its own
 * @param ioThreads         event-loop threads; 0 picks one per two cores
 * @param startupTimeout    time a client has to finish startup and authentication
 * @param connectTimeout    time to open and log in to a backend connection
 * @param maxStartupPacket  largest startup packet accepted before authentication
 * @param userCacheTtl      how long a verifier read from the database is trusted
 * @param transport         the socket layer under the event loops
 */
public record ServerConfig(
        String bindHost,
        int ioThreads,
        Duration startupTimeout,
        Duration connectTimeout,
        int maxStartupPacket,
        Duration userCacheTtl,
        IoTransport transport) {

    /** The socket layer: {@code AUTO} takes the fastest one that loads on the machine. */
    public enum IoTransport { AUTO, IO_URING, EPOLL, NIO }

    /** The same limits on the automatically chosen transport. */
    public ServerConfig(String bindHost, int ioThreads, Duration startupTimeout, Duration connectTimeout,
                        int maxStartupPacket, Duration userCacheTtl) {
        this(bindHost, ioThreads, startupTimeout, connectTimeout, maxStartupPacket, userCacheTtl, IoTransport.AUTO);
    }

    public static ServerConfig defaults() {
        return new ServerConfig("0.0.0.0", 0, Duration.ofSeconds(10), Duration.ofSeconds(5), 10_000,
                Duration.ofSeconds(30), IoTransport.AUTO);
    }
}
