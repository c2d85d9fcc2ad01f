package io.auriga.core.net;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;

/**
 * The process's descriptor limit (RLIMIT_NOFILE, soft), which bounds every connection it holds. The
 * {@code auriga} launcher raises it to the hard limit before the JVM starts (which on Linux raises it
 * too, with {@code -XX:+MaxFDLimit}); what is in force is logged at start, with a warning when
 * {@code server.max-connections} sessions could not all get their backend.
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

    /**
     * Why {@code limit} is too low for {@code maxConnections} client connections, each of which may
     * hold a backend connection too; empty when it is enough.
     */
    public static java.util.Optional<String> shortfall(long limit, int maxConnections) {
        long needed = 2L * maxConnections + RESERVE;
        if (limit >= needed) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("the descriptor limit " + limit + " is below the " + needed + " that "
                + "server.max-connections " + maxConnections + " may need (a client and a backend connection each); "
                + "raise it (ulimit -n, LimitNOFILE= in a systemd unit) or lower server.max-connections");
    }
}
