package io.auriga.mysql.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.InstanceConfig;
import io.auriga.core.admin.EndpointMetrics;
import io.auriga.core.admin.Metrics;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.mysql.auth.BackendSecret;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.MySqlPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pool's own rules, on channels standing in for backend connections: what it sends, when it
 * keeps, hands out and closes. What a real server does with the reset is {@code MySqlBackendPoolIT}'s.
 */
class BackendPoolTest {
    private static final BackendSecret NO_SECRET = new BackendSecret.Native(new byte[20]);
    private static final InstanceState MY1 = new InstanceState(new InstanceConfig("my1", "127.0.0.1", 3306, 0, false),
            Role.PRIMARY, 1, 0, Instant.EPOCH, null);
    private static final BackendLogin APP = login("app", "auriga");
    private static final byte[] OK = {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    private static final byte[] ERR = {(byte) 0xFF, 0x15, 0x04, '#', '0', '8', 'S', '0', '1', 'n', 'o'};

    private final EndpointMetrics metrics = new Metrics().endpoint("main", "writer");
    private final BackendPool pool = new BackendPool(2, Duration.ofSeconds(10), Duration.ofSeconds(5), metrics);

    @Test
    void aResetConnectionIsKeptAndHandedToTheSameLoginOnly() {
        EmbeddedChannel ch = backend();
        pool.give(new MySqlBackend(ch, MY1, 42, OK), APP);
        assertEquals(Command.COM_RESET_CONNECTION, sentCommand(ch), "the connection is reset first");
        assertNull(pool.take(ch.eventLoop(), MY1, APP), "not kept before the reset is answered");

        answer(ch, OK);
        assertNull(pool.take(ch.eventLoop(), MY1, login("app", "other-db")), "another schema");
        assertNull(pool.take(ch.eventLoop(), MY1, login("other", "auriga")), "another user");
        MySqlBackend taken = pool.take(ch.eventLoop(), MY1, APP);
        assertSame(ch, taken.channel());
        assertEquals(42, taken.threadId());
        assertTrue(ch.isOpen());
        assertFalse(ch.config().isAutoRead(), "handed out with auto-read off, for the caller's relay");
        assertNull(ch.pipeline().first(), "and with no handlers left");
        assertEquals(1, metrics.backendsReused());
        assertNull(pool.take(ch.eventLoop(), MY1, APP), "taken once");
    }

    @Test
    void aRefusedOrUnansweredResetClosesTheConnection() {
        EmbeddedChannel refused = backend();
        pool.give(new MySqlBackend(refused, MY1, 1, OK), APP);
        answer(refused, ERR);
        assertFalse(refused.isOpen(), "an ERR to the reset");

        EmbeddedChannel silent = backend();
        pool.give(new MySqlBackend(silent, MY1, 2, OK), APP);
        silent.advanceTimeBy(6, TimeUnit.SECONDS);
        silent.runScheduledPendingTasks();
        assertFalse(silent.isOpen(), "no answer within the reset timeout");
        assertNull(pool.take(silent.eventLoop(), MY1, APP));
    }

    @Test
    void aKeptConnectionIsClosedWhenItIdlesTooLongOrTheServerSpeaks() {
        EmbeddedChannel idle = backend();
        pool.give(new MySqlBackend(idle, MY1, 1, OK), APP);
        answer(idle, OK);
        idle.advanceTimeBy(11, TimeUnit.SECONDS);
        idle.runScheduledPendingTasks();
        assertFalse(idle.isOpen(), "past the idle timeout");
        assertNull(pool.take(idle.eventLoop(), MY1, APP));

        EmbeddedChannel spoke = backend();
        pool.give(new MySqlBackend(spoke, MY1, 2, OK), APP);
        answer(spoke, OK);
        answer(spoke, ERR); // such as MariaDB's wait_timeout farewell
        assertFalse(spoke.isOpen(), "the server spoke while the connection was kept");
        assertNull(pool.take(spoke.eventLoop(), MY1, APP));
    }

    @Test
    void aReadOnlyLoginOrSizeZeroKeepsNothing() {
        EmbeddedChannel reader = backend();
        pool.give(new MySqlBackend(reader, MY1, 4, OK), new BackendLogin("app", NO_SECRET, "auriga", 0, 45,
                1 << 24, Map.of(), true));
        assertFalse(reader.isOpen(), "a reset would lift the read-only setting");

        BackendPool off = new BackendPool(0, Duration.ofSeconds(10), Duration.ofSeconds(5), metrics);
        EmbeddedChannel unpooled = backend();
        off.give(new MySqlBackend(unpooled, MY1, 5, OK), APP);
        assertFalse(unpooled.isOpen(), "pool-size 0");
    }

    private static BackendLogin login(String user, String database) {
        return new BackendLogin(user, NO_SECRET, database, 0, 45, 1 << 24, Map.of("_client_name", "x"), false);
    }

    private static EmbeddedChannel backend() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        return ch;
    }

    private static int sentCommand(EmbeddedChannel ch) {
        ByteBuf frame = ch.readOutbound();
        try {
            assertEquals(0, frame.getUnsignedByte(3), "sequence id 0");
            return frame.getUnsignedByte(4);
        } finally {
            frame.release();
        }
    }

    private static void answer(EmbeddedChannel ch, byte[] payload) {
        ch.writeInbound(MySqlPackets.frame(ch.alloc(), 1, Unpooled.wrappedBuffer(payload)));
    }
}
