package io.auriga.core.testing;

import io.auriga.core.AurigaServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * What tests ask of a proxied cluster whatever its engine: the Auriga server in front of it, the
 * ports of its {@code main} cluster's writer and reader endpoints, the CA its TLS certificates come
 * from, and login tokens.
 */
public interface ProxiedFixture extends AutoCloseable {
    TestProxy proxy();

    default AurigaServer server() {
        return proxy().server();
    }

    default int writerPort() {
        return server().port("main", "writer");
    }

    default int readerPort() {
        return server().port("main", "reader");
    }

    default Path caCert() {
        return proxy().caCert();
    }

    /** A login token for {@code user}, valid from {@code from} for {@code ttl}. */
    default String token(String user, Duration ttl, Instant from) {
        return proxy().token(user, ttl, from);
    }

    @Override
    default void close() {
        proxy().close();
    }
}
