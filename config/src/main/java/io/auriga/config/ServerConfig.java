package io.auriga.config;

import java.time.Duration;

/**
 * Process-wide limits and defaults for every endpoint.
 *
 * @param bindHost          address the endpoints listen on unless an endpoint names its own
 * @param ioThreads         event-loop threads; 0 picks one per two cores
 * @param transport         the kernel interface the event loops use
 * @param startupTimeout    time a client has to finish startup and authentication
 * @param connectTimeout    time to open and log in to a backend connection
 * @param maxStartupPacket  largest startup packet accepted before authentication
 * @param userCacheTtl      how long a verifier read from the database stands in while the database cannot be asked
 * @param maxConnections    client connections open at once, over every endpoint; more are refused at
 *                          once, so that the process never runs out of descriptors (each session also
 *                          holds a backend connection)
 * @param maxStartupPerAddress client connections from one address that have not logged in yet; more
 *                          are refused at once, so that one host opening idle connections cannot use
 *                          up {@code maxConnections} for everyone
 * @param loginThrottle     how failed logins are slowed down
 */
public record ServerConfig(
        String bindHost,
        int ioThreads,
        IoTransport transport,
        Duration startupTimeout,
        Duration connectTimeout,
        int maxStartupPacket,
        Duration userCacheTtl,
        int maxConnections,
        int maxStartupPerAddress,
        LoginThrottleConfig loginThrottle) {

    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_STARTUP_PER_ADDRESS = 100;

    /** With the default connection limits and login throttle. */
    public ServerConfig(String bindHost, int ioThreads, IoTransport transport, Duration startupTimeout,
                        Duration connectTimeout, int maxStartupPacket, Duration userCacheTtl) {
        this(bindHost, ioThreads, transport, startupTimeout, connectTimeout, maxStartupPacket, userCacheTtl,
                DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_STARTUP_PER_ADDRESS, LoginThrottleConfig.DEFAULTS);
    }

    public static ServerConfig defaults() {
        return new ServerConfig("0.0.0.0", 0, IoTransport.AUTO, Duration.ofSeconds(10), Duration.ofSeconds(5), 10_000,
                Duration.ofSeconds(30));
    }

    /** The same, with other connection limits. */
    public ServerConfig withConnectionLimits(int maxConnections, int maxStartupPerAddress) {
        return new ServerConfig(bindHost, ioThreads, transport, startupTimeout, connectTimeout, maxStartupPacket,
                userCacheTtl, maxConnections, maxStartupPerAddress, loginThrottle);
    }
}
