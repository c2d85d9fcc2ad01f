package io.auriga.core.testing;

import io.auriga.config.IoTransport;
import java.util.Locale;

/**
 * The event-loop transport the integration tests' proxies use: {@code auto} unless the system
 * property {@code auriga.test.transport} names another ({@code io-uring}, {@code epoll},
 * {@code nio}), so that the build can run a set of them again on the fallback transport.
 */
public final class TestTransport {
    public static final String PROPERTY = "auriga.test.transport";

    private TestTransport() {
    }

    public static IoTransport configured() {
        String value = System.getProperty(PROPERTY, "auto");
        return IoTransport.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
