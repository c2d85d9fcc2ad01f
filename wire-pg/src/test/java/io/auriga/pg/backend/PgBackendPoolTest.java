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
import java.util.ArrayList;
import java.util.List;
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
        assertEquals(List.of("SELECT pg_my_temp_schema() = 0", "DISCARD ALL"), sentQueries(ch),
                "the connection is checked and reset first");

        checked(ch, "t");
        assertNull(pool.take(ch.eventLoop(), PG1, "app", LOGIN, SECRET), "not kept before the reset is done");
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
        checked(inTransaction, "t");
        answer(inTransaction, 'C', "DISCARD ALL\0");
        answer(inTransaction, 'Z', "T");
        assertFalse(inTransaction.isOpen(), "ready, but not idle");
        assertNull(pool.take(inTransaction.eventLoop(), PG1, "app", LOGIN, SECRET));
    }

    @Test
    void aSessionThatUsedTemporaryObjectsIsNotKept() {
        EmbeddedChannel ch = new EmbeddedChannel();
        pool.give(backend(ch, 5), "app", LOGIN, SECRET);
        answer(ch, 'T', "");
        answer(ch, 'D', "\0\1\0\0\0\1f");
        assertFalse(ch.isOpen(), "it has a temporary schema, which DISCARD ALL does not take away");
        assertNull(pool.take(ch.eventLoop(), PG1, "app", LOGIN, SECRET));
    }

    @Test
    void staleClosesWhatIsKeptAndKeepsNothingOpenedBefore() {
        EmbeddedChannel kept = new EmbeddedChannel();
        pool.born(kept);
        pool.give(backend(kept, 6), "app", LOGIN, SECRET);
        reset(kept);
        EmbeddedChannel inUse = new EmbeddedChannel();
        pool.born(inUse);

        pool.stale("defaults changed");
        kept.runPendingTasks();
        assertFalse(kept.isOpen(), "a kept connection is closed");
        pool.give(backend(inUse, 7), "app", LOGIN, SECRET);
        assertFalse(inUse.isOpen(), "one opened before is not kept when its client leaves");

        EmbeddedChannel fresh = new EmbeddedChannel();
        pool.born(fresh);
        pool.give(backend(fresh, 8), "app", LOGIN, SECRET);
        reset(fresh);
        assertSame(fresh, pool.take(fresh.eventLoop(), PG1, "app", LOGIN, SECRET).channel(), "one opened after is");
    }

    @Test
    void aConnectionInTheMiddleOfItsResetWhenSessionsTurnStaleIsNotKept() {
        EmbeddedChannel ch = new EmbeddedChannel();
        pool.born(ch);
        pool.give(backend(ch, 9), "app", LOGIN, SECRET);
        checked(ch, "t");
        pool.stale("a client runs DROP DATABASE");
        answer(ch, 'C', "DISCARD ALL\0");
        answer(ch, 'Z', "I");
        assertFalse(ch.isOpen());
        assertNull(pool.take(ch.eventLoop(), PG1, "app", LOGIN, SECRET));
    }

    @Test
    void aKeptConnectionThatSpeaksIsClosed() {
        EmbeddedChannel ch = new EmbeddedChannel();
        pool.give(backend(ch, 3), "app", LOGIN, SECRET);
        checked(ch, "t");
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

    private static List<String> sentQueries(EmbeddedChannel ch) {
        ByteBuf frames = ch.readOutbound();
        try {
            List<String> queries = new ArrayList<>();
            while (frames.isReadable()) {
                assertEquals('Q', frames.readByte());
                int length = frames.readInt();
                queries.add(frames.readCharSequence(length - 5, StandardCharsets.UTF_8).toString());
                assertEquals(0, frames.readByte());
            }
            return queries;
        } finally {
            frames.release();
        }
    }

    /** Answers the check for a temporary schema: {@code t} when the session never had one. */
    private static void checked(EmbeddedChannel ch, String clean) {
        answer(ch, 'T', "");
        answer(ch, 'D', "\0\1\0\0\0\1" + clean);
        answer(ch, 'C', "SELECT 1\0");
        answer(ch, 'Z', "I");
    }

    /** Answers the whole reset: the session is kept. */
    private static void reset(EmbeddedChannel ch) {
        checked(ch, "t");
        answer(ch, 'C', "DISCARD ALL\0");
        answer(ch, 'Z', "I");
    }

    private static void answer(EmbeddedChannel ch, char tag, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ch.writeInbound(ch.alloc().buffer().writeByte(tag).writeInt(4 + bytes.length).writeBytes(bytes));
    }
}
