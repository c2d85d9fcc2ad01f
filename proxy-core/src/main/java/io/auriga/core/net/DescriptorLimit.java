package io.auriga.core.net;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;

/**
 * The process's descriptor limit (RLIMIT_NOFILE, soft), which bounds every connection it holds. The
 * {@code auriga} launcher raises it to the hard limit before the JVM starts (which on Linux raises it
 * too, with {@code -XX:+MaxFDLimit}); what is in force is logged at start, with a warning when it
 * does not even cover {@code server.max-connections} client connections.
 */
public final class DescriptorLimit {
    /** Descriptors a process needs besides its sessions: jars, listeners, probes, logs. */
    static final int RESERVE = 200;

    private DescriptorLimit() {
    }

    /** The limit in force, when the platform tells it. */
    public static OptionalLong current() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return OptionalLong.of(unix.getMaxFileDescriptorCount());
        }
        return OptionalLong.empty();
    }

    /** Descriptors {@code maxConnections} logged-in sessions may hold: a client and a backend connection each. */
    public static long needed(int maxConnections) {
        return 2L * maxConnections + RESERVE;
    }

    /**
     * Why {@code limit} is too low even for {@code maxConnections} client connections alone; empty when
     * it is enough for them. Short of {@link #needed} only, accepting may pause ({@link AcceptBackoff})
     * when nearly every session holds a backend, which the start-up line says.
     */
    public static java.util.Optional<String> shortfall(long limit, int maxConnections) {
        if (limit >= (long) maxConnections + RESERVE) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("the descriptor limit " + limit + " is below server.max-connections "
                + maxConnections + " plus " + RESERVE + " for the rest of the process; raise it (ulimit -n, "
                + "LimitNOFILE= in a systemd unit) or lower server.max-connections");
    }
}
