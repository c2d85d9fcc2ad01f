package io.auriga.mysql.backend;

import io.auriga.core.admin.EndpointMetrics;
import io.auriga.core.net.KeptBackends;
import io.auriga.core.topology.InstanceState;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.MySqlPacket;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.OkPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Backend connections whose clients left between statements, kept for the next client that logs in
 * the same way, so that a connect-per-request load (PHP, CGI, serverless functions, health checks)
 * skips the backend's TCP connect, greeting and login:
 * <pre>
 *   client leaves, backend idle  → COM_RESET_CONNECTION (rolls back, drops temporary tables, releases
 *                                  locks, clears variables and prepared statements; keeps the schema
 *                                  and the login's character set)
 *        OK                      → kept, under the key (instance, user, SHA1(password), schema,
 *                                  character set, capabilities, max packet size)
 *        anything else, no answer within the connect timeout, pool full → closed
 *   a kept connection that closes, says anything, or waits past the idle timeout → dropped, closed
 *   a client logs in             → a kept connection with its key on its event loop, if any, which the
 *                                  connector logs in again for that client ({@link MySqlChangeUser})
 * </pre>
 * Only a login with the same password hash finds a connection, so a changed password never reaches
 * an old one. The keeping itself is {@link KeptBackends}'.
 */
public final class BackendPool {
    private static final int MAX_RESET_ANSWER = 1 << 16;

    /** COM_RESET_CONNECTION, answered with one OK or ERR packet. */
    private static final KeptBackends.Reset RESET = new KeptBackends.Reset() {
        @Override
        public ChannelHandler decoder() {
            return new MySqlPacketDecoder(MAX_RESET_ANSWER);
        }

        @Override
        public ByteBuf request(ByteBufAllocator alloc) {
            ByteBuf payload = alloc.buffer(1).writeByte(Command.COM_RESET_CONNECTION);
            try {
                return MySqlPackets.frame(alloc, 0, payload);
            } finally {
                payload.release();
            }
        }

        @Override
        public KeptBackends.Verdict judge(Object message) {
            ByteBuf payload = message instanceof MySqlPacket packet ? packet.payload() : null;
            return payload != null && payload.isReadable()
                    && payload.getUnsignedByte(payload.readerIndex()) == OkPacket.HEADER
                    ? KeptBackends.Verdict.DONE : KeptBackends.Verdict.REFUSED;
        }
    };

    private final KeptBackends<Key, MySqlBackend> kept;

    /**
     * @param size         connections kept per key and event loop; 0 keeps none
     * @param idleTimeout  how long a kept connection waits for a client
     * @param resetTimeout how long the backend may take to answer the reset
     * @param metrics      the endpoint's counters, which count the connections handed out again
     */
    public BackendPool(int size, Duration idleTimeout, Duration resetTimeout, EndpointMetrics metrics) {
        this.kept = new KeptBackends<>(size, idleTimeout, resetTimeout, metrics, RESET, MySqlBackend::channel);
    }

    /** False when the pool keeps nothing ({@code pool-size: 0}). */
    public boolean enabled() {
        return kept.enabled();
    }

    /**
     * A kept connection to {@code instance} logged in as {@code login}, taken out of the pool with
     * auto-read off and no handlers left, or null. Call on {@code loop}.
     */
    public MySqlBackend take(EventLoop loop, InstanceState instance, BackendLogin login) {
        MySqlBackend backend = kept.take(loop, new Key(instance.name(), login));
        return backend == null ? null : new MySqlBackend(backend.channel(), instance, backend.threadId(),
                backend.okPayload());
    }

    /**
     * Takes back the connection of a client that left with its backend idle, between statements:
     * resets it and keeps it, or closes it. The caller has removed its handlers from the channel.
     *
     * @param login the login as it stands now (the schema the session last chose)
     */
    public void give(MySqlBackend backend, BackendLogin login) {
        // A reset would also lift a reader session's read-only setting: such logins are not kept.
        if (login.readOnly()) {
            backend.channel().close();
            return;
        }
        kept.give(backend, new Key(backend.instance().name(), login), "to " + backend.instance().name()
                + " (thread " + backend.threadId() + ", user " + login.user() + ")");
    }

    /** What a backend connection's session is bound to by its login; connection attributes are not. */
    private static final class Key {
        private final String instance;
        private final String user;
        private final byte[] stage1;
        private final String database;
        private final long capabilities;
        private final int characterSet;
        private final long maxPacketSize;
        private final int hash;

        Key(String instance, BackendLogin login) {
            this.instance = instance;
            this.user = login.user();
            this.stage1 = login.stage1();
            this.database = login.database();
            this.capabilities = login.capabilities();
            this.characterSet = login.characterSet();
            this.maxPacketSize = login.maxPacketSize();
            this.hash = Objects.hash(instance, user, Arrays.hashCode(stage1), database, capabilities, characterSet,
                    maxPacketSize);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && instance.equals(k.instance) && user.equals(k.user)
                    && Arrays.equals(stage1, k.stage1) && Objects.equals(database, k.database)
                    && capabilities == k.capabilities && characterSet == k.characterSet
                    && maxPacketSize == k.maxPacketSize;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
