package io.auriga.pg.backend;

import io.auriga.core.admin.EndpointMetrics;
import io.auriga.core.auth.LoginSecret;
import io.auriga.core.net.KeptBackends;
import io.auriga.core.topology.InstanceState;
import io.auriga.pg.protocol.PgFrame;
import io.auriga.pg.protocol.PgFrameDecoder;
import io.auriga.pg.protocol.PgMessageScanner;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * PostgreSQL backend connections whose clients left outside a transaction, kept for the next client
 * that logs in the same way ({@link KeptBackends}):
 * <pre>
 *   client leaves, backend idle ('I') → SELECT pg_my_temp_schema() = 0; DISCARD ALL (closes cursors,
 *                                       deallocates prepared statements, drops temporary tables, releases
 *                                       advisory locks, stops listening, resets every setting to the
 *                                       login's and the session authorization)
 *        't', then CommandComplete … ReadyForQuery 'I' twice → kept under the key (instance, user,
 *                                       every startup parameter, digest of the password proof)
 *        'f' (the session used temporary objects), ErrorResponse, anything else → closed
 * </pre>
 * A session that once used temporary objects keeps its temporary schema after DISCARD ALL, and
 * PostgreSQL then refuses PREPARE TRANSACTION in it as if this session had touched them: such a backend
 * is never handed to another client. Neither is one opened before defaults of a role or a database
 * changed ({@link #stale}), since PostgreSQL applies those only when a session starts.
 * The next client gets the parameters the connection reported at its login, which is what the
 * reset restores. Only a login with the same proof of password finds a connection, so a changed
 * password never reaches an old one.
 */
public final class PgBackendPool {
    private static final int MAX_RESET_ANSWER = 1 << 16;

    private final KeptBackends<Key, PgBackend> kept;

    /**
     * @param size         connections kept per key and event loop; 0 keeps none
     * @param idleTimeout  how long a kept connection waits for a client
     * @param resetTimeout how long the backend may take to answer the reset
     * @param metrics      the endpoint's counters, which count the connections handed out again
     */
    public PgBackendPool(int size, Duration idleTimeout, Duration resetTimeout, EndpointMetrics metrics) {
        this.kept = new KeptBackends<>(size, idleTimeout, resetTimeout, metrics, new SessionReset(),
                PgBackend::channel);
    }

    /** Notes a new backend connection before its login ({@link KeptBackends#born}). */
    public void born(Channel channel) {
        kept.born(channel);
    }

    /** Closes every kept connection and keeps none opened before ({@link KeptBackends#stale}). */
    public void stale(String why) {
        kept.stale(why);
    }

    /** False when the pool keeps nothing ({@code pool-size: 0}). */
    public boolean enabled() {
        return kept.enabled();
    }

    /**
     * A kept connection to {@code instance} logged in as {@code user} with {@code parameters} and
     * {@code secret}, taken out of the pool with auto-read off and no handlers left, or null. Call on
     * {@code loop}.
     */
    public PgBackend take(EventLoop loop, InstanceState instance, String user, Map<String, String> parameters,
                          LoginSecret secret) {
        PgBackend backend = kept.take(loop, new Key(instance.name(), user, parameters, secret));
        return backend == null ? null : new PgBackend(backend.channel(), instance, backend.parameters(),
                backend.processId(), backend.secretKey());
    }

    /**
     * Takes back the connection of a client that left with its backend idle outside a transaction:
     * resets it and keeps it, or closes it. The caller has removed its handlers from the channel.
     *
     * @param parameters the startup parameters the connection logged in with
     */
    public void give(PgBackend backend, String user, Map<String, String> parameters, LoginSecret secret) {
        kept.give(backend, new Key(backend.instance().name(), user, parameters, secret), "to "
                + backend.instance().name() + " (pid " + backend.processId() + ", user " + user + ")");
    }

    /**
     * Asks whether the session ever had a temporary schema, then resets it; follows the two answers
     * (one per query, each ended by ReadyForQuery).
     */
    private static final class SessionReset implements KeptBackends.Reset {
        private static final String CHECK = "SELECT pg_my_temp_schema() = 0";
        private int readies;
        private boolean clean;

        @Override
        public KeptBackends.Reset begin() {
            return new SessionReset();
        }

        @Override
        public ChannelHandler decoder() {
            return new PgFrameDecoder(MAX_RESET_ANSWER);
        }

        @Override
        public ByteBuf request(ByteBufAllocator alloc) {
            ByteBuf check = PgMessages.query(alloc, CHECK);
            ByteBuf reset = PgMessages.query(alloc, "DISCARD ALL");
            return alloc.compositeBuffer(2).addComponents(true, check, reset);
        }

        @Override
        public KeptBackends.Verdict judge(Object message) {
            if (!(message instanceof PgFrame frame)) {
                return KeptBackends.Verdict.REFUSED;
            }
            ByteBuf body = frame.body();
            return switch (frame.tag()) {
                // The check's row description, the commands' tags, settings reset, notices.
                case 'T', 'C', 'S', 'N' -> KeptBackends.Verdict.MORE;
                case 'D' -> {
                    // One column: length 1, 't' when the session never had a temporary schema.
                    clean = readies == 0 && body.readableBytes() == 7 && body.getByte(body.readerIndex() + 6) == 't';
                    yield clean ? KeptBackends.Verdict.MORE : KeptBackends.Verdict.REFUSED;
                }
                case 'Z' -> {
                    boolean idle = body.isReadable() && body.getByte(body.readerIndex()) == PgMessageScanner.IDLE;
                    if (!idle || !clean) {
                        yield KeptBackends.Verdict.REFUSED;
                    }
                    yield ++readies == 2 ? KeptBackends.Verdict.DONE : KeptBackends.Verdict.MORE;
                }
                default -> KeptBackends.Verdict.REFUSED;
            };
        }
    }

    /** What a backend session is bound to by its login. */
    private static final class Key {
        private final String instance;
        private final String user;
        private final Map<String, String> parameters;
        private final byte[] proof;
        private final int hash;

        Key(String instance, String user, Map<String, String> parameters, LoginSecret secret) {
            this.instance = instance;
            this.user = user;
            this.parameters = Map.copyOf(parameters);
            this.proof = digest(secret);
            this.hash = Objects.hash(instance, user, this.parameters, Arrays.hashCode(proof));
        }

        /** A digest of what proves the password, so that keys hold no secret. */
        private static byte[] digest(LoginSecret secret) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                if (secret instanceof LoginSecret.Scram scram) {
                    sha.update((byte) 1);
                    sha.update(scram.clientKey());
                    sha.update(scram.verifier().salt());
                } else if (secret instanceof LoginSecret.Md5 md5) {
                    sha.update((byte) 2);
                    sha.update(md5.storedHash().getBytes(StandardCharsets.UTF_8));
                } else if (secret instanceof LoginSecret.Password password) {
                    sha.update((byte) 3);
                    sha.update(password.value().getBytes(StandardCharsets.UTF_8));
                }
                return sha.digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing", e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && instance.equals(k.instance) && user.equals(k.user)
                    && parameters.equals(k.parameters) && Arrays.equals(proof, k.proof);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
