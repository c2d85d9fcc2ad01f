package io.auriga.mysql.frontend;

import io.auriga.core.engine.EndpointContext;
import io.auriga.core.routing.ConnectionCounts;
import io.auriga.core.routing.Route;
import io.auriga.mysql.backend.BackendLogin;
import io.auriga.mysql.backend.MySqlBackend;
import io.auriga.mysql.backend.MySqlBackendConnector;
import io.auriga.mysql.backend.MySqlBackendLoginException;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.HandshakeResponse41;
import io.auriga.mysql.protocol.HandshakeV10;
import io.auriga.mysql.protocol.MySqlErrors;
import io.auriga.mysql.protocol.MySqlPacketScanner;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.ResponseTracker;
import io.auriga.mysql.protocol.ServerStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection to a MySQL endpoint, from accept to close: the proxy-issued connection id
 * and scramble, who the client is, the backend serving it and where the session stands. The phase
 * handlers call into it; it lives on the client channel's event loop only, so it needs no locks.
 */
public final class MySqlSession {
    static final AttributeKey<Boolean> TLS = AttributeKey.valueOf("auriga.mysql.tls");
    private static final Logger log = LoggerFactory.getLogger(MySqlSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Channel client;
    private final EndpointContext endpoint;
    private final MySqlBackendConnector connector;
    private final ConnectionRegistry registry;
    private final Set<MySqlSession> live;
    private final long connectionId;
    private final byte[] scramble = newScramble();
    private final long advertised;
    private final MySqlPacketScanner fromBackend = new MySqlPacketScanner();
    private final ClientCommandFramer fromClient = new ClientCommandFramer();
    private ResponseTracker tracker;
    private HandshakeResponse41 response;
    private BackendLogin login;
    private int okSequence;
    private MySqlBackend backend;
    private ConnectionCounts.Lease lease;
    private ScheduledFuture<?> startupTimer;
    private boolean closing;

    MySqlSession(Channel client, EndpointContext endpoint, MySqlBackendConnector connector,
                 ConnectionRegistry registry, Set<MySqlSession> live) {
        this.client = client;
        this.endpoint = endpoint;
        this.connector = connector;
        this.registry = registry;
        this.live = live;
        this.connectionId = registry.newId();
        this.advertised = connector.profile().get().advertised(endpoint.sslContext() != null);
    }

    EndpointContext endpoint() {
        return endpoint;
    }

    String user() {
        return response == null ? null : response.user();
    }

    byte[] scramble() {
        return scramble.clone();
    }

    long advertised() {
        return advertised;
    }

    boolean tls() {
        return Boolean.TRUE.equals(client.attr(TLS).get());
    }

    /** The client's address as a server would name it in "Access denied for user 'u'@'host'". */
    String clientHost() {
        return client.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : "unknown";
    }

    /** The proxy's greeting: its own connection id and scramble, the backends' version. */
    HandshakeV10 greeting() {
        var profile = connector.profile().get();
        return new HandshakeV10(profile.serverVersion(), connectionId, scramble, advertised,
                profile.characterSet(), ServerStatus.AUTOCOMMIT, "mysql_native_password");
    }

    /** Bounds the time from accept to a ready session by the configured startup timeout. */
    void startTimer() {
        endpoint.metrics().clientConnected();
        long millis = endpoint.server().startupTimeout().toMillis();
        startupTimer = client.eventLoop().schedule(() -> fatal(MySqlErrors.handshakeTimeout(millis), 0,
                "startup timeout"), millis, TimeUnit.MILLISECONDS);
    }

    /**
     * The client proved who it is: find an instance, log in there, and start relaying.
     *
     * @param stage1      SHA1(password), which answers any backend's scramble
     * @param okSequence  the sequence id the client expects on the final OK
     */
    void authenticated(HandshakeResponse41 clientResponse, byte[] stage1, int okSequence) {
        this.response = clientResponse;
        this.okSequence = okSequence;
        // Only what the proxy offered, plus the client's CLIENT_MYSQL bit, which says how it laid out the response.
        long negotiated = clientResponse.capabilities() & (advertised | Capabilities.CLIENT_MYSQL)
                & ~Capabilities.CLIENT_SSL;
        this.login = new BackendLogin(clientResponse.user(), stage1, emptyToNull(clientResponse.database()), negotiated,
                clientResponse.characterSet(), clientResponse.maxPacketSize(), clientResponse.attributes(),
                endpoint.router().readOnly());
        this.tracker = new ResponseTracker(negotiated);
        connect(System.nanoTime() + endpoint.cluster().failover().failoverTimeout().toNanos());
    }

    /**
     * Routes the session and logs in to the chosen instance. While a failover is under way it
     * waits, re-routing every few milliseconds until the failover timeout.
     */
    private void connect(long deadline) {
        if (closing || !client.isActive()) {
            return;
        }
        Route route = endpoint.router().route();
        boolean expired = System.nanoTime() - deadline >= 0;
        if (route instanceof Route.Wait wait) {
            if (expired) {
                fatal(MySqlErrors.failoverTimeout("failover of cluster " + endpoint.cluster().name()
                        + " did not finish in time: " + wait.reason()), okSequence, "gave up waiting for failover");
                return;
            }
            cancelTimer();
            client.eventLoop().schedule(() -> connect(deadline), 50, TimeUnit.MILLISECONDS);
            return;
        }
        if (route instanceof Route.Unavailable unavailable) {
            fatal(MySqlErrors.cannotConnect("no instance available for endpoint " + endpoint.name() + ": "
                    + unavailable.reason()), okSequence, unavailable.reason());
            return;
        }
        Route.To to = (Route.To) route;
        lease = endpoint.counts().acquire(to.instance().name());
        Future<MySqlBackend> attempt = connector.connect(client.eventLoop(), to.instance(), login);
        attempt.addListener(f -> {
            if (f.isSuccess() && (closing || !client.isActive())) {
                attempt.getNow().channel().close();
                releaseLease();
                return;
            }
            if (f.isSuccess()) {
                ready(attempt.getNow());
                return;
            }
            releaseLease();
            boolean refusedByDatabase = f.cause() instanceof MySqlBackendLoginException e && e.error() != null;
            if (refusedByDatabase || System.nanoTime() - deadline >= 0) {
                loginFailed(f.cause());
            } else {
                endpoint.router().topology().suspect(to.instance().name());
                client.eventLoop().schedule(() -> connect(deadline), 100, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void loginFailed(Throwable cause) {
        if (cause instanceof MySqlBackendLoginException e && e.error() != null) {
            fatal(e.error(), okSequence, e.getMessage());
            return;
        }
        endpoint.metrics().backendConnectFailed();
        fatal(MySqlErrors.cannotConnect("cannot connect to the database through endpoint " + endpoint.name()
                + ": " + cause.getMessage()), okSequence, cause.getMessage());
    }

    private void ready(MySqlBackend newBackend) {
        backend = newBackend;
        cancelTimer();
        live.add(this);
        registry.register(connectionId, new ConnectionRegistry.Target(backend.instance(), backend.threadId()));
        backend.channel().pipeline().addLast("relay", new MySqlRelayHandler(this, client, true));
        MySqlAuthHandler auth = (MySqlAuthHandler) client.pipeline().get(MySqlFrontendInitializer.AUTH);
        java.util.List<ByteBuf> early = auth.takeEarly(client.alloc());
        client.pipeline().remove(auth);
        client.pipeline().addLast("relay", new MySqlRelayHandler(this, backend.channel(), false));
        client.writeAndFlush(MySqlPackets.frame(client.alloc(), okSequence, Unpooled.wrappedBuffer(backend.okPayload())));
        // Commands sent ahead of the OK go first, then whatever the decoder still holds (handed on as it leaves).
        var decoder = client.pipeline().context(MySqlFrontendInitializer.DECODER);
        early.forEach(decoder::fireChannelRead);
        client.pipeline().remove(MySqlFrontendInitializer.DECODER);
        backend.channel().config().setAutoRead(true);
        client.config().setAutoRead(true);
        log.debug("{}: relaying to {} thread {}", describe(), backend.instance().name(), backend.threadId());
    }

    /** Client → backend: frames the chunk, lets the proxy take the commands it answers itself. */
    void fromClient(ByteBuf chunk, ClientCommandFramer.Sink forward) {
        fromClient.read(chunk, forward);
    }

    /** A client message: true when the proxy answers it itself (KILL of a proxy id, COM_CHANGE_USER). */
    boolean clientMessage(int sequenceId, int length, ByteBuf payload) {
        if (sequenceId == 0 && tracker.quiet() && length <= ClientCommandFramer.SMALL
                && ProxyCommands.handles(payload)) {
            new ProxyCommands(this).handle(payload);
            return true;
        }
        tracker.clientMessage(sequenceId, length, payload);
        return false;
    }

    /** Backend → client: follows the response without changing it. */
    void fromBackend(ByteBuf chunk) {
        fromBackend.scan(chunk, (sequenceId, length, head, start) -> tracker.serverMessage(length, head));
    }

    /** Runs {@code statement} (a KILL naming a backend thread) on {@code target}'s instance as this session's user. */
    Future<byte[]> control(ConnectionRegistry.Target target, String statement) {
        return connector.execute(client.eventLoop(), target.instance(), login.control(), statement);
    }

    ConnectionRegistry registry() {
        return registry;
    }

    ResponseTracker tracker() {
        return tracker;
    }

    long capabilities() {
        return login.capabilities();
    }

    Channel client() {
        return client;
    }

    /**
     * The cluster has a new primary: a writer session still on another instance must not write
     * there, so it is ended. Called from any thread.
     */
    void primaryChanged(String primary, long epoch) {
        client.eventLoop().execute(() -> {
            if (closing || backend == null || backend.instance().name().equals(primary)) {
                return;
            }
            log.warn("{}: the primary of cluster {} changed to {} (epoch {}); ending the session", describe(),
                    endpoint.cluster().name(), primary == null ? "none" : primary, epoch);
            closing = true;
            client.close();
        });
    }

    /** The backend connection closed while the client was still there. */
    void backendClosed() {
        if (closing || !client.isActive()) {
            return;
        }
        closing = true;
        if (tracker.lastCommand() != Command.COM_QUIT) {
            endpoint.router().topology().suspect(backend.instance().name());
            log.info("{}: connection to {} was lost", describe(), backend.instance().name());
        }
        client.close();
    }

    /**
     * The client channel closed. A statement still running for a client that left is killed rather
     * than left to run unseen.
     */
    void released() {
        live.remove(this);
        fromClient.release();
        endpoint.metrics().clientDisconnected();
        cancelTimer();
        registry.unregister(connectionId);
        releaseLease();
        if (backend != null && backend.channel().isActive()) {
            if (!tracker.quiet()) {
                log.info("{}: client left during a statement; killing it on {}", describe(), backend.instance().name());
                control(new ConnectionRegistry.Target(backend.instance(), backend.threadId()),
                        "KILL QUERY " + backend.threadId());
            }
            backend.channel().close();
        }
    }

    /** Sends an ERR to the client, logs the reason once, and closes. */
    void fatal(ErrPacket error, int sequenceId, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        cancelTimer();
        log.info("{}: {} ({} {} {})", describe(), reason, error.errorCode(), error.sqlState(), error.message());
        if (client.isActive()) {
            client.writeAndFlush(MySqlErrors.frame(client.alloc(), sequenceId & 0xFF, error))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void releaseLease() {
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }

    private void cancelTimer() {
        if (startupTimer != null) {
            startupTimer.cancel(false);
        }
    }

    String describe() {
        return "session " + connectionId + " from " + client.remoteAddress() + " on " + endpoint.name()
                + (response == null ? "" : " user=" + response.user() + " database=" + response.database());
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** 20 random printable bytes: some clients treat the scramble as a NUL-terminated string. */
    private static byte[] newScramble() {
        byte[] bytes = new byte[20];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (0x21 + RANDOM.nextInt(0x7E - 0x21));
        }
        return bytes;
    }
}
