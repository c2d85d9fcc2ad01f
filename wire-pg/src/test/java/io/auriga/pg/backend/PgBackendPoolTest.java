package io.auriga.pg.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.auriga.config.InstanceConfig;
import io.auriga.core.admin.EndpointMetrics;
import io.auriga.core.admin.Metrics;
import io.auriga.core.auth.LoginSecret;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL reset on channels standing in for backend connections: what is sent, which answers
 * keep a connection, and which logins get it back. What a real server does with {@code DISCARD ALL} is
 * {@code PgBackendPoolIT}'s.
 */
class PgBackendPoolTest {
    private static final InstanceState PG1 = new InstanceState(new InstanceConfig("pg1", "127.0.0.1", 5432, 0, false),
            Role.PRIMARY, 1, 0, Instant.EPOCH, null);
    private static final Map<String, String> LOGIN = Map.of("user", "app", "database", "app");
    private static final LoginSecret SECRET = new LoginSecret.Password("secret");

    private final EndpointMetrics metrics = new Metrics().endpoint("main", "writer");
    private final PgBackendPool pool = new PgBackendPool(2, Duration.ofSeconds(10), Duration.ofSeconds(5), metrics);

    @Test
    void aConnectionIsKeptOnceDiscardAllEndsIdleAndHandedToTheSameLoginOnly() {
        EmbeddedChannel ch = new EmbeddedChannel();
        pool.give(backend(ch, 4242), "app", LOGIN, SECRET);
        assertEquals("DISCARD ALL", sentQuery(ch), "the connection is reset first");

        answer(ch, 'C', "DISCARD ALL\0");
        answer(ch, 'S', "TimeZone\0UTC\0");
        assertNull(pool.take(ch.eventLoop(), PG1, "app", LOGIN, SECRET), "not kept before ReadyForQuery");
        answer(ch, 'Z', "I");

        assertNull(pool.take(ch.eventLoop(), PG1, "app", Map.of("user", "app", "database", "other"), SECRET),
                "another database");
        assertNull(pool.take(ch.eventLoop(), PG1, "app", LOGIN, new LoginSecret.Password("changed")),
                "another password");
        assertNull(pool.take(ch.eventLoop(), PG1, "other", LOGIN, SECRET), "another user");
        PgBackend taken = pool.take(ch.eventLoop(), PG1, "app", Map.of("database", "app", "user", "app"), SECRET);
        assertSame(ch, taken.channel(), "the same parameters in another order");
        assertEquals(4242, taken.processId());
        assertEquals(Map.of("server_version", "15"), taken.parameters(), "what the backend reported at login");
        assertFalse(ch.config().isAutoRead());
        assertNull(ch.pipeline().first(), "handed out with no handlers left");
        assertEquals(1, metrics.backendsReused());
    }

    @Test
    void anErrorOrATransactionLeftOpenClosesTheConnection() {
        EmbeddedChannel failed = new EmbeddedChannel();
        pool.give(backend(failed, 1), "app", LOGIN, SECRET);
        answer(failed, 'E', "SERROR\0C25001\0Mcannot run inside a transaction block\0\0");
        assertFalse(failed.isOpen(), "an ErrorResponse to the reset");

        EmbeddedChannel inTransaction = new EmbeddedChannel();
        pool.give(backend(inTransaction, 2), "app", LOGIN, SECRET);
        answer(inTransaction, 'C', "DISCARD ALL\0");
        answer(inTransaction, 'Z', "T");
        assertFalse(inTransaction.isOpen(), "ready, but not idle");
        assertNull(pool.take(inTransaction.eventLoop(), PG1, "app", LOGIN, SECRET));
    }

    @Test
    void aKeptConnectionThatSpeaksIsClosed() {
        EmbeddedChannel ch = new EmbeddedChannel();
        pool.give(backend(ch, 3), "app", LOGIN, SECRET);
        answer(ch, 'C', "DISCARD ALL\0");
        answer(ch, 'Z', "I");
        answer(ch, 'E', "SFATAL\0C57P01\0Mterminating connection due to administrator command\0\0");
        assertFalse(ch.isOpen(), "such as a backend terminated by an administrator");
        assertNull(pool.take(ch.eventLoop(), PG1, "app", LOGIN, SECRET));
        assertEquals(0, metrics.backendsReused());
    }

    private static PgBackend backend(EmbeddedChannel ch, int processId) {
        return new PgBackend(ch, PG1, Map.of("server_version", "15"), processId, 7);
    }

    private static String sentQuery(EmbeddedChannel ch) {
        ByteBuf frame = ch.readOutbound();
        try {
            assertEquals('Q', frame.getByte(0));
            assertEquals(frame.readableBytes() - 1, frame.getInt(1));
            return frame.toString(5, frame.readableBytes() - 6, StandardCharsets.UTF_8);
        } finally {
            frame.release();
        }
    }

    private static void answer(EmbeddedChannel ch, char tag, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ch.writeInbound(ch.alloc().buffer().writeByte(tag).writeInt(4 + bytes.length).writeBytes(bytes));
    }
}
