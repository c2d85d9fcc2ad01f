package io.auriga.mysql.frontend;

import io.auriga.core.LogText;
import io.auriga.core.net.ClientAdmission;
import io.auriga.core.engine.EndpointContext;
import io.auriga.core.net.PeerHangup;
import io.auriga.core.session.RoutedLogin;
import io.auriga.core.session.SessionLife;
import io.auriga.core.session.SessionPhase;
import io.auriga.core.session.Ticker;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.WriterHold;
import io.auriga.core.topology.WriterSessions;
import io.auriga.mysql.auth.BackendSecret;
import io.auriga.mysql.backend.BackendLogin;
import io.auriga.mysql.backend.MySqlBackend;
import io.auriga.mysql.backend.MySqlBackendConnector;
import io.auriga.mysql.backend.MySqlBackendLoginException;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.ComChangeUser;
import io.auriga.mysql.protocol.CompressedPacketCodec;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.HandshakeResponse41;
import io.auriga.mysql.protocol.HandshakeV10;
import io.auriga.mysql.protocol.MySqlErrors;
import io.auriga.mysql.protocol.MySqlPacketScanner;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.OkPacket;
import io.auriga.mysql.protocol.PacketAligner;
import io.auriga.mysql.protocol.ResponseTracker;
import io.auriga.mysql.protocol.ServerStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection to a MySQL endpoint, from accept to close: the proxy-issued connection id
 * and scramble, who the client is, the backend serving it and where the session stands. The phase
 * handlers call into it; it lives on the client channel's event loop only, so it needs no locks.
 *
 * <p>A session on an endpoint that follows the primary keeps its {@link MySqlSessionState} and
 * outlives its backend: when the primary changes or the instance serving it is lost, a session
 * standing between commands is logged in on the new primary (waiting for it up to the failover
 * timeout, holding what the client sends meanwhile), its schema, settings and prepared statements
 * are replayed there, and the client's next command goes on as if nothing happened. An open
 * transaction does not survive the move: {@link FailoverStandIn} tells the client on its next
 * command. A command in flight, or state that cannot be replayed, ends the session with an ERR. A
 * connection the server ended on its own while the instance goes on serving (KILL, {@code
 * wait_timeout}) ends the session as it would end a direct connection: see {@link #checkClose}.
 *
 * <p>A planned switchover moves it the same way, without the client noticing: while the writer
 * gate is held ({@link WriterHold}) a session standing between transactions keeps the client's next
 * command back, one inside a transaction runs on until it ends it (or the drain deadline passes), and
 * once the new primary is published the session moves there and the kept command runs there.
 */
public final class MySqlSession implements WriterSessions.Session {
    static final AttributeKey<Boolean> TLS = AttributeKey.valueOf("auriga.mysql.tls");
    private static final Logger log = LoggerFactory.getLogger(MySqlSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Bound on what a client may send while its session moves to another backend. */
    private static final int MAX_HELD_BYTES = 1 << 20;
    /** Bound on a COM_CHANGE_USER and the answers that follow it, which are read whole. */
    private static final int MAX_CHANGE_USER = 1 << 16;
    /** MariaDB answers a failed COM_CHANGE_USER after a second's sleep, which slows password guessing. */
    private static final long REFUSED_CHANGE_USER_DELAY_MILLIS = 1000;

    private final Channel client;
    private final EndpointContext endpoint;
    private final MySqlBackendConnector connector;
    private final ConnectionRegistry registry;
    private final Set<MySqlSession> live;
    private final long connectionId;
    private final byte[] scramble = newScramble();
    private final long advertised;
    private final MySqlPacketScanner fromBackend = new MySqlPacketScanner();
    private final ClientCommandFramer fromClient = new ClientCommandFramer(command -> this.changingUser != null
            || command == Command.COM_CHANGE_USER ? MAX_CHANGE_USER
            : this.state != null ? this.state.wholeUpTo(command)
            : this.login != null && this.login.readOnly() ? ReadWriteStatement.wholeUpTo(command)
            : ClientCommandFramer.SMALL);
    private final ClientCommandFramer.Sink toBackend = new ClientCommandFramer.Sink() {
        @Override
        public void forward(ByteBuf slice) {
            if (backend == null || life.ending()) {
                slice.release();
            } else {
                backend.channel().write(slice, backend.channel().voidPromise());
            }
        }

        @Override
        public boolean message(int sequenceId, int length, ByteBuf payload) {
            return clientMessage(sequenceId, length, payload);
        }
    };
    private final List<ByteBuf> held = new ArrayList<>();
    private int heldBytes;
    /** The session's part in a switchover; null on endpoints that do not follow the primary. */
    private final WriterHold writerHold;
    private final Ticker ticker = Ticker.SYSTEM;
    /** The session's phase; the one place it changes. */
    private final SessionLife life = new SessionLife(this::describe, ticker);
    /** When the session last began to move to another backend (or to log in again after a change of user). */
    private long detachedAt;
    /** When the backend last sent anything (System.nanoTime). */
    private long lastBackendRead = ticker.nanos();
    /** How long a session must have heard nothing from its backend before a command asks if it hung up. */
    private static final long QUIET_BEFORE_HANGUP_CHECK = TimeUnit.MILLISECONDS.toNanos(20);
    /** How often a session with a command in flight asks the kernel whether its client is still there. */
    private static final long CLIENT_WATCH_MILLIS = 500;
    /** The pending look at the client while a command is in flight; null while none is. */
    private ScheduledFuture<?> clientWatch;
    /** Only sessions that follow the primary are ever moved, so only they track their state. */
    private MySqlSessionState state;
    private FailoverStandIn standIn;
    /** A COM_CHANGE_USER being authenticated, which takes the client's packets until it is decided. */
    private ClientChangeUser changingUser;
    private int changeUserFailures;
    /** Who the session was before a COM_CHANGE_USER the backend has yet to accept; null otherwise. */
    private Before beforeChange;

    private record Before(BackendLogin login, HandshakeResponse41 response) {
    }
    /** The sequence id an ERR sent now in place of the rest of a response must carry. */
    private int nextSequence = 1;
    private ResponseTracker tracker;
    /** The server-side guard of a reader session; null on other endpoints. */
    private ReadOnlyBackstop backstop;
    /** Null where the cluster relays LOAD DATA LOCAL INFILE ({@code mysql.local-infile}). */
    private LocalInfileRefusal infileRefusal;
    private HandshakeResponse41 response;
    private BackendLogin login;
    private int okSequence;
    private MySqlBackend backend;
    private final RoutedLogin<MySqlBackend> routing;
    private ScheduledFuture<?> startupTimer;
    /**
     * The client's last command as it sent it (statement ids not yet rewritten), while it is the only
     * one the backend has not begun to answer; kept to send again if the backend connection is reset
     * with it unread. Null otherwise.
     */
    private ByteBuf unanswered;
    /** The backend connection that ended with a reset (the server closed it with data unread), if any. */
    private Channel resetBackend;
    /**
     * A packet the backend sent unasked while the session was quiet (the ERR a server sends a connection
     * it is ending), kept from the client until the close tells whether the session ends (the client
     * gets it) or moves (it would be misread as the answer to the client's next command). Null if none.
     */
    private ByteBuf farewell;

    MySqlSession(Channel client, EndpointContext endpoint, MySqlBackendConnector connector,
                 ConnectionRegistry registry, Set<MySqlSession> live) {
        this.client = client;
        this.endpoint = endpoint;
        this.connector = connector;
        this.registry = registry;
        this.live = live;
        this.connectionId = registry.newId();
        this.routing = new RoutedLogin<>(endpoint, client, ticker, new RoutedLogin.Backends<>() {
            @Override
            public Future<MySqlBackend> acquire(EventLoop loop, InstanceState instance) {
                return connector.acquire(loop, instance, state == null ? login : login.withDatabase(state.schema()));
            }

            @Override
            public Channel channel(MySqlBackend backend) {
                return backend.channel();
            }

            @Override
            public boolean refused(Throwable cause) {
                return cause instanceof MySqlBackendLoginException e && e.error() != null;
            }
        }, () -> !life.ending() && client.isActive(), this::cancelTimer);
        this.advertised = connector.profile().get().advertised(endpoint.sslContext() != null);
        this.writerHold = endpoint.router().followsPrimary() ? new WriterHold(endpoint.router().topology().writerGate(),
                this, client, MAX_HELD_BYTES, WriterHold.limit(endpoint.cluster().failover()), this::sendKept) : null;
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

    /** The proxy's greeting: its own connection id and scramble, the backends' version, the configured plugin. */
    HandshakeV10 greeting() {
        var profile = connector.profile().get();
        return new HandshakeV10(profile.serverVersion(), connectionId, scramble, advertised,
                profile.characterSet(), ServerStatus.AUTOCOMMIT, endpoint.cluster().mysql().authPlugin().wireName());
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
     * @param secret      what answers any backend's challenge for the account
     * @param okSequence  the sequence id the client expects on the final OK
     */
    void authenticated(HandshakeResponse41 clientResponse, BackendSecret secret, int okSequence) {
        this.response = clientResponse;
        this.okSequence = okSequence;
        // Only what the proxy offered, plus the client's CLIENT_MYSQL bit, which says how it laid out the response.
        long negotiated = clientResponse.capabilities() & (advertised | Capabilities.CLIENT_MYSQL)
                & ~Capabilities.CLIENT_SSL;
        this.login = new BackendLogin(clientResponse.user(), secret, emptyToNull(clientResponse.database()), negotiated,
                clientResponse.characterSet(), clientResponse.maxPacketSize(), clientResponse.attributes(),
                endpoint.router().readOnly());
        this.tracker = new ResponseTracker(negotiated);
        if (login.readOnly()) {
            backstop = new ReadOnlyBackstop(negotiated);
        }
        if (!endpoint.cluster().mysql().localInfile()) {
            infileRefusal = new LocalInfileRefusal(tracker, MySqlErrors.localInfileRefused(endpoint.cluster().name()),
                    client.alloc(), this::toBackendNow, frame -> client.write(frame, client.voidPromise()));
        }
        if (endpoint.router().followsPrimary()) {
            state = new MySqlSessionState(login.database());
            tracker.onCompletion(state::completed);
        }
        if (life.ending()) {
            return;
        }
        life.to(SessionPhase.CONNECTING);
        connect(failoverDeadline(), this::ready, true);
    }

    /** The client sent its handshake response: it is proving who it is. */
    void responded() {
        if (!life.ending()) {
            life.to(SessionPhase.AUTHENTICATING);
        }
    }

    private long failoverDeadline() {
        return routing.deadline();
    }

    /** Routes the session and logs in to the chosen instance (see {@link RoutedLogin}). */
    private void connect(long deadline, Consumer<MySqlBackend> onReady, boolean first) {
        routing.connect(deadline, first, onReady, this::connectFailed);
    }

    private void connectFailed(RoutedLogin.Failure failure) {
        if (failure instanceof RoutedLogin.Failure.GaveUp gaveUp) {
            failed(MySqlErrors.failoverTimeout("failover of cluster " + endpoint.cluster().name()
                    + " did not finish in time: " + gaveUp.reason()), "gave up waiting for failover", gaveUp.first());
        } else if (failure instanceof RoutedLogin.Failure.Unavailable unavailable) {
            failed(MySqlErrors.cannotConnect("no instance available for endpoint " + endpoint.name() + ": "
                    + unavailable.reason()), unavailable.reason(), unavailable.first());
        } else {
            RoutedLogin.Failure.LoginFailed loginFailed = (RoutedLogin.Failure.LoginFailed) failure;
            loginFailed(loginFailed.cause(), loginFailed.first());
        }
    }

    private void loginFailed(Throwable cause, boolean first) {
        if (cause instanceof MySqlBackendLoginException e && e.error() != null) {
            if (first && beforeChange != null) {
                // The server refused the new user (a schema not granted, an account locked): as on the
                // server, the session stays the user it was.
                login = beforeChange.login();
                response = beforeChange.response();
                beforeChange = null;
                refuseChange(e.error(), okSequence, e.getMessage());
                return;
            }
            failed(e.error(), e.getMessage(), first);
            return;
        }
        endpoint.metrics().backendConnectFailed();
        failed(MySqlErrors.cannotConnect("cannot connect to the database through endpoint " + endpoint.name()
                + ": " + cause.getMessage()), cause.getMessage(), first);
    }

    /** A first login answers the client's handshake with the error; a re-attach ends the session with it. */
    private void failed(ErrPacket error, String reason, boolean first) {
        if (first) {
            fatal(error, okSequence, reason);
        } else {
            abandon(error, reason);
        }
    }

    private void ready(MySqlBackend newBackend) {
        backend = newBackend;
        life.to(SessionPhase.RELAYING);
        cancelTimer();
        ClientAdmission.loggedIn(client);
        live.add(this);
        registry.register(connectionId, new ConnectionRegistry.Target(backend.instance(), backend.threadId()));
        relayFrom(backend.channel());
        MySqlAuthHandler auth = (MySqlAuthHandler) client.pipeline().get(MySqlFrontendInitializer.AUTH);
        java.util.List<ByteBuf> early = auth.takeEarly(client.alloc());
        client.pipeline().remove(auth);
        client.pipeline().addLast("relay", new MySqlRelayHandler(this, null));
        client.writeAndFlush(MySqlPackets.frame(client.alloc(), okSequence, Unpooled.wrappedBuffer(backend.okPayload())));
        if (Capabilities.has(login.capabilities(), Capabilities.CLIENT_COMPRESS)) {
            // The OK went plain; the client compresses from its next packet on, early ones included.
            client.pipeline().addAfter(MySqlFrontendInitializer.DECODER, MySqlFrontendInitializer.COMPRESS,
                    new CompressedPacketCodec());
        }
        // Commands sent ahead of the OK go first, then whatever the decoder still holds (handed on as it leaves).
        var decoder = client.pipeline().context(MySqlFrontendInitializer.DECODER);
        early.forEach(decoder::fireChannelRead);
        client.pipeline().remove(MySqlFrontendInitializer.DECODER);
        backend.channel().config().setAutoRead(true);
        client.config().setAutoRead(true);
        log.debug("{}: relaying to {} thread {}", describe(), backend.instance().name(), backend.threadId());
        followPrimary();
    }

    /**
     * Relays what {@code backendChannel} sends to the client; a reader session's relay gets the backend's
     * packets whole, to read the session state of its OK packets ({@link ReadOnlyBackstop}).
     */
    private void relayFrom(Channel backendChannel) {
        if (backstop != null) {
            backendChannel.pipeline().addLast("aligner", new PacketAligner());
        }
        backendChannel.pipeline().addLast("relay", new MySqlRelayHandler(this, client));
    }

    /**
     * A change of primary announced while the session was logging in (or moving) found no backend
     * to act on: check once the backend is in place, so a session never stays on a former primary.
     */
    private void followPrimary() {
        if (state == null || backend == null || life.ending()) {
            return;
        }
        var topology = endpoint.router().topology().current();
        topology.primary().filter(p -> !p.name().equals(backend.instance().name())).ifPresent(p ->
                lost("the primary of cluster " + endpoint.cluster().name() + " changed to " + p.name() + " (epoch "
                        + topology.epoch() + ") while the session was logging in"));
    }

    /**
     * Client → backend: frames the chunk, lets the proxy take the commands it answers itself and
     * forwards the rest to the current backend; while the session moves, the chunk is held.
     */
    void fromClient(ByteBuf chunk) {
        if (writerHold != null) {
            boolean first = !writerHold.hasParked();
            if (writerHold.park(chunk, betweenTransactions())) {
                if (first && !life.ending()) {
                    life.to(SessionPhase.HELD);
                }
                return;
            }
        }
        if (life.detached()) {
            hold(chunk);
            return;
        }
        if (backendHungUp()) {
            // A server killed outright closes its connections at once, but this loop may not have got
            // to that yet: the command would be sent into the dead connection and fail as "lost while
            // running", though nothing could have read it. Move the session first, as if seen closed.
            log.info("{}: the backend closed the connection while the session was quiet; moving the session "
                    + "before relaying the next command", describe());
            backendClosed(backend.channel());
            if (life.detached()) {
                hold(chunk);
                return;
            }
            if (life.ending()) {
                chunk.release();
                return;
            }
        }
        if (farewell != null) {
            // The server spoke unasked but kept the connection: the client reads it as it would directly.
            client.write(farewell, client.voidPromise());
            farewell = null;
        }
        fromClient.read(chunk, toBackend);
    }

    /**
     * Takes {@code chunk} from the backend out of the relay when it is a packet nobody asked for, sent
     * to a session that may move: it reaches the client only if the session ends (see {@link #farewell}).
     */
    boolean unsolicited(ByteBuf chunk) {
        if (state == null || !tracker.quiet() || !fromBackend.atBoundary() || farewell != null
                || chunk.readableBytes() < 5
                || chunk.readableBytes() != 4 + chunk.getUnsignedMediumLE(chunk.readerIndex())
                || chunk.getUnsignedByte(chunk.readerIndex() + 4) != ErrPacket.HEADER) {
            return false;
        }
        farewell = chunk;
        log.debug("{}: the backend sent an ERR unasked; it reaches the client if the session ends", describe());
        return true;
    }

    /**
     * Whether the backend has closed the connection, asked of the kernel: only for a session that
     * could be moved, between commands, after a quiet spell (a session in steady traffic would learn
     * of a close through its reads, and pays nothing here).
     */
    private boolean backendHungUp() {
        return state != null && backend != null && tracker.quiet()
                && ticker.nanos() - lastBackendRead > QUIET_BEFORE_HANGUP_CHECK
                && PeerHangup.seen(backend.channel());
    }

    /** The backend the client's bytes go to now, or null while there is none. */
    Channel backendChannel() {
        return backend == null || life.detached() ? null : backend.channel();
    }

    /**
     * A client message: true when the proxy answers it itself (KILL of a proxy id, COM_CHANGE_USER,
     * a command after a failover took the session's transaction or state, a statement lifting
     * read-only on a reader endpoint: {@link ReadWriteStatement}). Statement ids in
     * COM_STMT_* commands are rewritten to the backend's here.
     */
    private boolean clientMessage(int sequenceId, int length, ByteBuf payload) {
        nextSequence = sequenceId + 1;
        if (changingUser != null) {
            changingUser.message(sequenceId, length, payload);
            return true;
        }
        if (sequenceId == 0 && standIn != null && tracker.quiet() && answeredByStandIn(payload, length)) {
            return true;
        }
        if (sequenceId == 0 && length == 1 && payload.isReadable()
                && payload.getUnsignedByte(payload.readerIndex()) == Command.COM_QUIT && keepable()) {
            // The backend stays open for the pool (released() gives it back); the client's leaving ends the session.
            life.to(SessionPhase.LEAVING);
            client.close();
            return true;
        }
        if (sequenceId == 0 && tracker.quiet() && ComChangeUser.is(payload)) {
            changeUser(length, payload);
            return true;
        }
        if (sequenceId == 0 && login.readOnly() && payload.readableBytes() == length
                && ReadWriteStatement.liftsReadOnly(payload)) {
            refuseReadWrite(payload);
            return true;
        }
        if (sequenceId == 0 && backstop != null && payload.readableBytes() == length
                && ReadWriteStatement.changesTracking(payload) != null) {
            keepTracking(payload);
            return true;
        }
        if (sequenceId == 0 && login.readOnly() && length == 1 && payload.isReadable()
                && payload.getUnsignedByte(payload.readerIndex()) == Command.COM_RESET_CONNECTION) {
            readerReset();
            return true;
        }
        if (sequenceId == 0 && tracker.quiet() && length <= ClientCommandFramer.SMALL
                && ProxyCommands.handles(payload)) {
            new ProxyCommands(this).handle(payload);
            return true;
        }
        boolean command = tracker.clientMessage(sequenceId, length, payload);
        if (command) {
            watchClient();
            if (backstop != null && Command.response(payload.getUnsignedByte(payload.readerIndex()))
                    != Command.Response.NONE) {
                backstop.commandSent(payload.readableBytes() == length ? ReadWriteStatement.changesTracking(payload)
                        : null);
            }
        }
        if (command && state != null) {
            keepUnanswered(sequenceId, length, payload);
            state.command(payload, length);
        }
        return false;
    }

    /**
     * A statement that would lift the reader session's read-only flag: refused, and the session goes
     * on. Behind a command still being answered, an answer now would come out of order, so the
     * session ends instead.
     */
    private void refuseReadWrite(ByteBuf payload) {
        ErrPacket error = MySqlErrors.readOnlyEndpoint(endpoint.name());
        String text = LogText.escape(ReadWriteStatement.text(payload));
        if (!tracker.quiet()) {
            fatal(error, nextSequence, "a statement lifting read-only behind a pending command: " + text);
            return;
        }
        log.info("{}: refused a statement lifting read-only: {}", describe(), text);
        reply(error);
    }

    /**
     * A reader's query that changes the session's tracking settings goes to the server rewritten so that
     * they keep what the backstop needs ({@link TrackingSettings}); its answer must report the new list.
     */
    private void keepTracking(ByteBuf payload) {
        String changed = ReadWriteStatement.changesTracking(payload);
        ByteBuf query = TrackingSettings.rewrite(payload, connector.profile().get().mariaDb(), client.alloc());
        try {
            tracker.clientMessage(0, query.readableBytes(), query);
            watchClient();
            backstop.commandSent(changed);
            toBackend.forward(MySqlPackets.frame(client.alloc(), 0, query));
        } finally {
            query.release();
        }
    }

    /**
     * COM_RESET_CONNECTION on a reader: the server's reset would give the session the global settings, read-write
     * and unwatched, so the session is reset as for COM_CHANGE_USER, on a fresh backend login made read-only.
     * Behind a command still being answered, the session ends instead, as for a statement lifting read-only.
     */
    private void readerReset() {
        if (!tracker.quiet()) {
            fatal(MySqlErrors.readOnlyEndpoint(endpoint.name()), nextSequence, "COM_RESET_CONNECTION behind a pending "
                    + "command on a reader endpoint");
            return;
        }
        log.debug("{}: COM_RESET_CONNECTION: logging in anew", describe());
        resetSession(1, null);
    }

    /**
     * Looks at the client every {@value #CLIENT_WATCH_MILLIS} ms while a command is in flight: a client
     * that leaves during a statement must have it killed (see {@link #released}), but a reset that
     * arrives right behind the statement's bytes is not always reported by the transport (io_uring
     * may not), and the session would learn of it only when the answer is written, after the statement
     * ran to its end. The kernel knows: the connection is closed, and the session ends as on a close.
     */
    private void watchClient() {
        if (clientWatch != null || life.ending()) {
            return;
        }
        clientWatch = client.eventLoop().schedule(() -> {
            clientWatch = null;
            if (life.ending() || !client.isActive() || tracker.quiet()) {
                return;
            }
            if (PeerHangup.seen(client)) {
                log.info("{}: the client closed its connection during a statement", describe());
                client.close();
                return;
            }
            watchClient();
        }, CLIENT_WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Keeps a copy of the command the client just sent, before its statement id is rewritten, when it
     * is whole, expects an answer and is the only one awaiting it; see {@link #lost}. A command sent
     * behind it (even one without an answer) drops the copy: the server may have read that far.
     */
    private void keepUnanswered(int sequenceId, int length, ByteBuf payload) {
        forgetUnanswered();
        if (payload.readableBytes() == length && Command.response(payload.getUnsignedByte(payload.readerIndex()))
                != Command.Response.NONE && tracker.oneUnanswered() && state.resendable(payload)) {
            ByteBuf copy = client.alloc().buffer(4 + length);
            copy.writeMediumLE(length).writeByte(sequenceId).writeBytes(payload, payload.readerIndex(), length);
            unanswered = copy;
        }
    }

    private void forgetUnanswered() {
        if (unanswered != null) {
            unanswered.release();
            unanswered = null;
        }
    }

    private boolean answeredByStandIn(ByteBuf payload, int length) {
        ErrPacket error = standIn.error();
        switch (standIn.answer(payload, payload.readableBytes() == length)) {
            case PASS -> {
                return false;
            }
            case OK -> replyOk(tracker.statusFlags() & ~ServerStatus.IN_TRANS);
            case OK_ENDS -> {
                standIn = null;
                log.info("{}: the client rolled back the transaction lost when the session moved", describe());
                replyOk(tracker.statusFlags() & ~ServerStatus.IN_TRANS);
            }
            case ERR -> reply(error);
            case ERR_ENDS -> {
                standIn = null;
                log.info("{}: the client tried to commit the transaction lost when the session moved; refused", describe());
                reply(error);
            }
            case ERR_CLOSES -> fatal(error, 1, "answered the client's next command after the failover");
            case CLOSE -> {
                life.close();
                client.close();
            }
            case DROP -> {
                // No answer expected.
            }
            default -> throw new IllegalStateException();
        }
        return true;
    }

    /**
     * Backend → client: follows the response, and hands the client its own statement id in the
     * answer to COM_STMT_PREPARE. Returns false in the one case that cannot be relayed: an id to
     * rewrite that began in an earlier chunk.
     */
    boolean fromBackend(ByteBuf chunk) {
        lastBackendRead = ticker.nanos();
        forgetUnanswered();
        boolean[] relayable = {true};
        fromBackend.scan(chunk, (sequenceId, length, head, start) -> {
            nextSequence = sequenceId + 1;
            if (state != null && tracker.awaitsPrepare() && head.readableBytes() >= 9
                    && head.getUnsignedByte(head.readerIndex()) == OkPacket.HEADER) {
                int at = head.readerIndex();
                long backendId = head.getUnsignedIntLE(at + 1);
                long clientId = state.prepared(backendId, head.getUnsignedShortLE(at + 5),
                        head.getUnsignedShortLE(at + 7));
                if (clientId != backendId) {
                    if (start >= 0 && start + 9 <= chunk.writerIndex()) {
                        chunk.setIntLE(start + 5, (int) clientId);
                    } else {
                        relayable[0] = false;
                    }
                }
            }
            long answered = tracker.responses();
            tracker.serverMessage(length, head);
            if (backstop != null) {
                if (tracker.okSeen() && (tracker.statusFlags() & ServerStatus.SESSION_STATE_CHANGED) != 0) {
                    backstop.ok(chunk, sequenceId, length, start);
                }
                if (tracker.responses() != answered) {
                    backstop.answered(head.isReadable() ? head.getUnsignedByte(head.readerIndex()) : -1, sequenceId,
                            start);
                }
            }
            if (infileRefusal != null) {
                infileRefusal.message(sequenceId, length, start);
            }
        });
        if (infileRefusal != null && !infileRefusal.trim(chunk) && !life.ending()) {
            // Part of the request already went to the client: anything more would complete it. Close.
            life.close();
            log.warn("{}: the backend asked for a LOCAL INFILE file, refused for cluster {}, in a packet split across "
                    + "reads; closing the session", describe(), endpoint.cluster().name());
            client.close();
        }
        return relayable[0];
    }

    /**
     * The chunk just scanned as the client may see it (see {@link ReadOnlyBackstop}), or null when the
     * backend reported the reader session's read-only setting lifted: the session has ended.
     */
    ByteBuf backstopped(ByteBuf chunk) {
        if (backstop == null || !backstop.pending()) {
            return chunk;
        }
        ReadOnlyBackstop.Breach breach = backstop.breach();
        ByteBuf relayed = backstop.apply(chunk, client.alloc());
        if (breach == null) {
            return relayed;
        }
        readOnlyLifted(breach, relayed);
        return null;
    }

    /**
     * Ends a reader session whose read-only setting was lifted: the backend connection is killed (a
     * statement the client pipelined behind must not run) and closed, never kept, and the client gets
     * what came before the report, then an ERR in its place.
     */
    private void readOnlyLifted(ReadOnlyBackstop.Breach breach, ByteBuf relayed) {
        life.close();
        log.error("{}: on {} thread {}: {}; ending the reader session", describe(), backend.instance().name(),
                backend.threadId(), LogText.escape(breach.what()));
        if (!tracker.quiet()) {
            control(new ConnectionRegistry.Target(backend.instance(), backend.threadId()),
                    "KILL CONNECTION " + backend.threadId());
        }
        backend.channel().close();
        client.write(relayed, client.voidPromise());
        if (breach.start() >= 0) {
            client.write(MySqlErrors.frame(client.alloc(), breach.sequenceId() & 0xFF,
                    MySqlErrors.readOnlySessionEnded(endpoint.name())), client.voidPromise());
        }
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Sends a frame the proxy itself owes the backend (ending a refused LOCAL INFILE transfer). */
    private void toBackendNow(ByteBuf frame) {
        if (backend == null || life.ending()) {
            frame.release();
        } else {
            backend.channel().writeAndFlush(frame, backend.channel().voidPromise());
        }
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
     * The cluster has a new primary (or none). A writer session whose backend is on another
     * instance must not write there: it is moved (see {@link #lost}). Called from any thread.
     */
    @Override
    public void primaryChanged(String primary, long epoch) {
        client.eventLoop().execute(() -> {
            // A session checking why its backend closed looks at the primary again when it knows.
            if (life.ending() || life.detached() || backend == null || backend.instance().name().equals(primary)) {
                return;
            }
            lost("the primary of cluster " + endpoint.cluster().name() + " changed to "
                    + (primary == null ? "none" : primary) + " (epoch " + epoch + ")");
        });
    }

    /**
     * The backend connection was reset: the server closed it with bytes it had not read, which is what
     * a server killed outright does to a command sent after it died.
     */
    void backendReset(Channel channel) {
        resetBackend = channel;
    }

    /** A backend connection closed while the client was still there. */
    void backendClosed(Channel channel) {
        if (life.ending() || life.detached() || backend == null || backend.channel() != channel
                || !client.isActive()) {
            return;
        }
        if (tracker.lastCommand() == Command.COM_QUIT) {
            life.close();
            client.close();
            return;
        }
        if (state != null && !handedOver()) {
            checkClose();
            return;
        }
        endpoint.router().topology().suspect(backend.instance().name());
        lost("the connection to database instance " + backend.instance().name() + " was lost");
    }

    /** Whether the session's backend is not where it should be: a switchover is under way, or the primary is elsewhere. */
    private boolean handedOver() {
        if (writerHold != null && writerHold.gateHeld()) {
            return true;
        }
        return !endpoint.router().topology().current().primary().map(InstanceState::name)
                .filter(backend.instance().name()::equals).isPresent();
    }

    /**
     * The primary closed this session's connection. A server that is going away (killed, shutting down,
     * unreachable) no longer greets new connections, and the session moves as in a failover. One that
     * still does ended this connection alone ({@code KILL}, {@code wait_timeout}, {@code
     * max_statement_time} with a kill, an administrator): a direct client would have lost its connection,
     * so the client loses its session, with what the server said, and its pool learns that the connection
     * is gone. The check costs a connect and a greeting; the client's commands wait meanwhile.
     */
    private void checkClose() {
        life.to(SessionPhase.CHECKING);
        MySqlBackend closed = backend;
        connector.greets(client.eventLoop(), closed.instance()).addListener(f -> {
            if (life.is(SessionPhase.CHECKING)) {
                life.to(SessionPhase.RELAYING);
            }
            if (life.ending() || !client.isActive() || backend != closed) {
                return;
            }
            if (Boolean.TRUE.equals(f.getNow()) && !handedOver()) {
                endedByServer();
                return;
            }
            endpoint.router().topology().suspect(closed.instance().name());
            lost("the connection to database instance " + closed.instance().name() + " was lost");
        });
    }

    /** The server ended this connection and is still serving: the session ends as a direct one would. */
    private void endedByServer() {
        life.close();
        log.info("{}: {} ended the connection and still takes new ones; ending the session as the server did{}",
                describe(), backend.instance().name(), farewell == null ? "" : " (" + ErrPacket.decode(
                        farewell.slice(farewell.readerIndex() + 4, farewell.readableBytes() - 4)) + ")");
        if (farewell != null) {
            client.writeAndFlush(farewell).addListener(ChannelFutureListener.CLOSE);
            farewell = null;
        } else {
            client.close();
        }
    }

    /**
     * The backend is gone or must not be used. A session between commands is moved to the primary
     * (its open transaction reported on its next command); one with a command in flight gets an ERR
     * in place of the rest of the answer, since whether the command took effect is unknown; one
     * holding state that cannot be replayed gets an ERR naming it on its next command.
     */
    private void lost(String what) {
        lost(what, "failover");
    }

    /** @param event what took the backend away, {@code failover} or {@code switchover}, for the client */
    private void lost(String what, String event) {
        boolean quiet = tracker.quiet() && fromBackend.atBoundary() && fromClient.atBoundary();
        ByteBuf again = null;
        if (!quiet && state != null && unread()) {
            // Nothing of the command was answered and the server closed the connection with bytes unread.
            // It reads a command whole before running it, and this was the only one sent: it never ran,
            // so it is sent again once the session has moved, as if the client had sent it then.
            again = unanswered;
            unanswered = null;
            tracker.forgetUnanswered();
            state.forgetUnanswered();
            quiet = true;
            log.info("{}: {} with a command it never read; it runs after the session moves", describe(), what);
        }
        if (state == null || !quiet) {
            life.close();
            log.warn("{}: {}{}; ending the session", describe(), what, quiet ? "" : " with a command in flight");
            if (state != null && fromBackend.atBoundary() && client.isActive()) {
                client.writeAndFlush(MySqlErrors.frame(client.alloc(), nextSequence & 0xFF,
                        MySqlErrors.connectionLost(what + " while a command was running; whether it took effect"
                                + " is unknown"))).addListener(ChannelFutureListener.CLOSE);
            } else {
                client.close();
            }
            return;
        }
        leaveBackend();
        // What the client sent while a switchover held it goes with the session, ahead of anything newer;
        // an unread command was sent before any of it.
        List<ByteBuf> kept = new ArrayList<>();
        if (again != null) {
            kept.add(again);
        }
        if (writerHold != null) {
            kept.addAll(writerHold.takeParked());
        }
        String pinned = state.pinned();
        if (pinned != null) {
            log.warn("{}: {}; it holds {}, which cannot be moved: the session ends with the client's next command",
                    describe(), what, pinned);
            standIn = FailoverStandIn.ended(MySqlErrors.connectionLost("the session was ended because " + what
                    + ", and it held " + pinned + ", which cannot be carried to another instance; reconnect"));
            life.to(SessionPhase.RELAYING);
            kept.forEach(chunk -> fromClient.read(chunk, toBackend));
            releaseHeld();
            return;
        }
        kept.forEach(this::hold);
        life.to(SessionPhase.MOVING);
        detachedAt = ticker.nanos();
        boolean inTransaction = tracker.inTransaction();
        log.info("{}: {}; moving the session to the primary{}", describe(), what,
                inTransaction ? " (its open transaction is lost and reported to the client)" : "");
        if (inTransaction) {
            standIn = FailoverStandIn.lostTransaction(MySqlErrors.transactionLostInFailover("the transaction was "
                    + "aborted by a " + event + " of cluster " + endpoint.cluster().name() + " (" + what + "); roll "
                    + "it back and run it again"));
        }
        connect(failoverDeadline(), this::replay, false);
    }

    /**
     * Whether the one command in flight surely never reached the server's reading: it was sent whole,
     * nothing of its answer came back, and the connection ended with a reset.
     */
    private boolean unread() {
        return unanswered != null && backend != null && resetBackend == backend.channel()
                && tracker.oneUnanswered() && fromBackend.atBoundary() && fromClient.atBoundary();
    }

    private void leaveBackend() {
        if (farewell != null) {
            farewell.release();
            farewell = null;
        }
        MySqlBackend old = backend;
        backend = null;
        resetBackend = null;
        if (old.channel().pipeline().get("relay") != null) {
            old.channel().pipeline().remove("relay");
        }
        old.channel().close();
        registry.unregister(connectionId);
        releaseLease();
    }

    /** Rebuilds the session's settings and prepared statements on the new backend before it takes traffic. */
    private void replay(MySqlBackend fresh) {
        life.to(SessionPhase.REPLAYING);
        List<PreparedStatements.Statement> kept = state.statements();
        MySqlReplayHandler.replay(fresh, login.capabilities(), state.replay(),
                endpoint.server().connectTimeout().toMillis()).addListener(f -> {
                    String mismatch = f.isSuccess() ? ((MySqlReplayHandler.Result) f.getNow()).mismatch(kept)
                            : f.cause().getMessage();
                    if (mismatch != null) {
                        fresh.channel().close();
                        releaseLease();
                        abandon(MySqlErrors.connectionLost("the session could not be restored on "
                                + fresh.instance().name() + " after a failover: " + mismatch), mismatch);
                        return;
                    }
                    MySqlReplayHandler.Result result = (MySqlReplayHandler.Result) f.getNow();
                    state.rebind(result.statements().stream().map(MySqlReplayHandler.Prepared::id).toList());
                    attach(fresh, result.statusFlags());
                });
    }

    /** Makes {@code fresh} the session's backend and lets the held client bytes through. */
    private void attach(MySqlBackend fresh, int statusFlags) {
        if (life.ending() || !client.isActive()) {
            fresh.channel().close();
            releaseLease();
            return;
        }
        backend = fresh;
        registry.register(connectionId, new ConnectionRegistry.Target(fresh.instance(), fresh.threadId()));
        tracker.resetStatus((statusFlags >= 0 ? statusFlags : tracker.statusFlags()) & ~ServerStatus.IN_TRANS);
        relayFrom(fresh.channel());
        life.to(SessionPhase.RELAYING);
        releaseHeld();
        fresh.channel().config().setAutoRead(true);
        log.info("{}: re-attached to {} thread {} in {} ms ({} setting(s) and {} prepared statement(s) restored)",
                describe(), fresh.instance().name(), fresh.threadId(), (ticker.nanos() - detachedAt) / 1_000_000,
                state.settings().size(), state.statements().size());
        followPrimary();
    }

    /** The session cannot be moved after all: its next command (perhaps already held) gets {@code error}. */
    private void abandon(ErrPacket error, String reason) {
        log.warn("{}: {}; the session ends with the client's next command", describe(), reason);
        standIn = FailoverStandIn.ended(error);
        life.to(SessionPhase.RELAYING);
        releaseHeld();
    }

    /** Passes on what the client sent while the session moved, through the framer, to the current backend. */
    private void releaseHeld() {
        List<ByteBuf> chunks = new ArrayList<>(held);
        held.clear();
        heldBytes = 0;
        for (ByteBuf chunk : chunks) {
            fromClient(chunk);
        }
        if (backend != null) {
            backend.channel().flush();
        }
        client.config().setAutoRead(true);
    }

    /** Keeps what the client sends while its session moves; stops reading past a bound. */
    private void hold(ByteBuf chunk) {
        held.add(chunk);
        heldBytes += chunk.readableBytes();
        if (heldBytes > MAX_HELD_BYTES) {
            client.config().setAutoRead(false);
        }
    }

    /**
     * True when the session stands between transactions on a backend it may leave: no command in
     * flight, no transaction open, not moving.
     */
    private boolean betweenTransactions() {
        return !life.detached() && backend != null && tracker != null && tracker.quiet()
                && !tracker.inTransaction() && fromBackend.atBoundary() && fromClient.atBoundary();
    }

    /** Called after each chunk relayed from the backend: has a transaction the switchover waits for ended? */
    void backendRelayed() {
        if (writerHold != null) {
            writerHold.relayed(betweenTransactions());
        }
    }

    /** A switchover holds new transactions: tell it once this session stands between them. Any thread. */
    @Override
    public void holdRequested() {
        client.eventLoop().execute(() -> writerHold.requested(life.ending() || !client.isActive()
                || betweenTransactions()));
    }

    /**
     * The switchover ended. A session still on its backend (the switchover was rolled back) sends
     * what it kept back there; one whose primary moved moves now and takes it along. Any thread.
     */
    @Override
    public void writesReleased() {
        client.eventLoop().execute(() -> {
            writerHold.gateReleased();
            sendKept();
        });
    }

    /** Sends on what was kept back during a switchover; on the event loop. */
    private void sendKept() {
        if (!writerHold.hasParked() || life.ending() || life.detached() || !client.isActive()) {
            return;
        }
        String primary = endpoint.router().topology().current().primary().map(InstanceState::name).orElse(null);
        if (backend != null && primary != null && !primary.equals(backend.instance().name())) {
            // The gate opens as soon as the new primary is published, which may be before this
            // session hears of it: it moves now, taking what it kept back along.
            lost("the primary of cluster " + endpoint.cluster().name() + " changed to " + primary, "switchover");
            return;
        }
        List<ByteBuf> kept = writerHold.takeParked();
        // Before the kept commands go on: one of them may find the gate still held and be kept again.
        life.to(SessionPhase.RELAYING);
        for (ByteBuf chunk : kept) {
            fromClient(chunk);
        }
        if (backend != null) {
            backend.channel().flush();
        }
        client.config().setAutoRead(true);
    }

    /**
     * The switchover's drain deadline passed with this session still inside a transaction: the
     * transaction is given up as in a failover (1213/40001 until the client rolls back, the
     * connection stays usable), or, with a command still running, the session ends with an ERR
     * saying its outcome is unknown. Any thread.
     */
    @Override
    public void drainExpired(String why) {
        client.eventLoop().execute(() -> {
            if (!life.ending() && !life.detached() && client.isActive() && backend != null
                    && !betweenTransactions()) {
                lost(why, "switchover");
            }
            writerHold.arrived();
        });
    }

    /**
     * The client channel closed. A statement still running for a client that left is killed rather
     * than left to run unseen.
     */
    void released() {
        boolean keep = keepable();
        life.closed();
        live.remove(this);
        if (writerHold != null) {
            writerHold.close();
        }
        fromClient.release();
        forgetUnanswered();
        if (farewell != null) {
            farewell.release();
            farewell = null;
        }
        held.forEach(ByteBuf::release);
        held.clear();
        endpoint.metrics().clientDisconnected();
        cancelTimer();
        if (clientWatch != null) {
            clientWatch.cancel(false);
        }
        registry.unregister(connectionId);
        releaseLease();
        if (keep) {
            ChannelPipeline pipeline = backend.channel().pipeline();
            pipeline.remove(MySqlRelayHandler.class);
            if (pipeline.first() == null) {
                connector.pool().give(backend, login.withDatabase(state.schema()));
                return;
            }
        }
        if (backend != null && backend.channel().isActive()) {
            if (!tracker.quiet()) {
                log.info("{}: client left during a statement; killing it on {}", describe(), backend.instance().name());
                control(new ConnectionRegistry.Target(backend.instance(), backend.threadId()),
                        "KILL QUERY " + backend.threadId());
            }
            closeAfterWrites(backend.channel());
        }
    }

    /**
     * Closes a backend connection once what was written to it has gone out: the client's last packets,
     * its COM_QUIT above all, reach the server, which then ends the session as it would directly
     * (closed unannounced, it counts an aborted client), and no write fails on a closed channel. A
     * backend that does not take them within the connect timeout is closed anyway.
     */
    private void closeAfterWrites(Channel channel) {
        ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
            channel.close();
        }, endpoint.server().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> deadline.cancel(false));
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Whether the backend can serve another client once this one leaves: the session follows the
     * primary (so it knows its schema), is not read-only, and stands between commands with nothing
     * half sent either way. The pool resets it before anyone else gets it. MariaDB only: its reset
     * restores the character set of the login, while MySQL's documented reset takes the server's
     * defaults, which a client that asked for another would not expect.
     */
    private boolean keepable() {
        return state != null && connector.pool().enabled() && connector.profile().get().mariaDb()
                && !login.readOnly() && backend != null && !life.is(SessionPhase.CLOSING, SessionPhase.CLOSED)
                && !life.detached() && held.isEmpty() && tracker.quiet() && fromBackend.atBoundary() && fromClient.atBoundary()
                && backend.channel().isActive();
    }

    /** Sends an ERR to the client, logs the reason once, and closes. */
    void fatal(ErrPacket error, int sequenceId, String reason) {
        if (!life.close()) {
            return;
        }
        cancelTimer();
        log.info("{}: {} ({} {} {})", describe(), LogText.escape(reason), error.errorCode(), error.sqlState(),
                LogText.escape(error.message()));
        if (client.isActive()) {
            client.writeAndFlush(MySqlErrors.frame(client.alloc(), sequenceId & 0xFF, error))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Answers the client's command with OK carrying {@code statusFlags}. */
    void replyOk(int statusFlags) {
        ByteBuf payload = client.alloc().buffer();
        try {
            new OkPacket(0, 0, statusFlags, 0, "").encode(payload, capabilities());
            client.writeAndFlush(MySqlPackets.frame(client.alloc(), 1, payload));
        } finally {
            payload.release();
        }
    }

    /** Answers the client's command with {@code error}. */
    void reply(ErrPacket error) {
        client.writeAndFlush(MySqlErrors.frame(client.alloc(), 1, error));
    }

    private void releaseLease() {
        routing.releaseLease();
    }

    private void cancelTimer() {
        if (startupTimer != null) {
            startupTimer.cancel(false);
        }
    }

    String describe() {
        return "session " + connectionId + " from " + client.remoteAddress() + " on " + endpoint.name()
                + (response == null ? "" : " user=" + LogText.escape(response.user()) + " database="
                + LogText.escape(response.database()));
    }

    /** A client's COM_CHANGE_USER, between commands: authenticated first ({@link ClientChangeUser}). */
    private void changeUser(int length, ByteBuf payload) {
        if (payload.readableBytes() != length) {
            fatal(MySqlErrors.packetTooLarge("a COM_CHANGE_USER of " + length + " bytes"), 1, "oversized COM_CHANGE_USER");
            return;
        }
        ComChangeUser request;
        try {
            request = ComChangeUser.decode(payload.duplicate(), login.capabilities());
        } catch (CorruptedFrameException | IndexOutOfBoundsException e) {
            // MariaDB fails it like a wrong password: ER_UNKNOWN_COM_ERROR, and the session goes on.
            changeUserRefused(MySqlErrors.malformedChangeUser(e.getMessage()), 1, "malformed COM_CHANGE_USER: "
                    + e.getMessage());
            return;
        }
        changingUser = new ClientChangeUser(this, request);
        changingUser.start();
    }

    /**
     * The client proved it is the user its COM_CHANGE_USER names: the session becomes that user's.
     * Everything that names the user follows: the login the session moves with after a failover, what
     * the pool keys a kept backend on, the login KILL runs as.
     *
     * @param secret      what answers any backend's challenge for the new user
     * @param okSequence  the sequence id the client expects on the OK
     */
    void userChanged(ComChangeUser request, BackendSecret secret, int okSequence) {
        changingUser = null;
        beforeChange = new Before(login.withDatabase(state == null ? login.database() : state.schema()), response);
        String schema = emptyToNull(request.schema());
        int characterSet = request.characterSet() < 0 ? login.characterSet() : request.characterSet();
        var attributes = request.attributes() == null ? login.attributes() : request.attributes();
        response = new HandshakeResponse41(response.capabilities(), response.maxPacketSize(), characterSet,
                request.user(), new byte[0], schema, response.authPluginName(), attributes);
        login = new BackendLogin(request.user(), secret, schema, login.capabilities(), characterSet,
                login.maxPacketSize(), attributes, login.readOnly());
        log.info("{}: COM_CHANGE_USER accepted", describe());
        resetSession(okSequence, null);
    }

    /**
     * The COM_CHANGE_USER was refused. MariaDB resets the session all the same, stays the user it was,
     * and answers after a second; a connection that failed three times gets ER_UNKNOWN_COM_ERROR for
     * any further attempt ({@link #changeUserFailures}).
     */
    void changeUserRefused(ErrPacket error, int sequenceId, String reason) {
        if (state != null) {
            // The session keeps the schema it had come to use, as the server keeps it.
            login = login.withDatabase(state.schema());
        }
        refuseChange(error, sequenceId, reason);
    }

    private void refuseChange(ErrPacket error, int sequenceId, String reason) {
        changingUser = null;
        changeUserFailures++;
        log.info("{}: {} ({} {})", describe(), LogText.escape(reason), error.errorCode(), error.sqlState());
        resetSession(sequenceId, error);
    }

    /** How many COM_CHANGE_USER attempts have failed on this connection. */
    int changeUserFailures() {
        return changeUserFailures;
    }

    /**
     * Resets the session as the server does at COM_CHANGE_USER (rolls back, drops temporary tables,
     * forgets variables, settings and prepared statements): the backend is left and a fresh one logged
     * in as {@link #login}, which also checks the new user as the server would (a schema not granted, an
     * account locked: that ERR, as a refused change, see {@link #loginFailed}). Then the client gets the
     * backend's OK, or {@code refusal} after the second a server waits before it.
     */
    private void resetSession(int sequenceId, ErrPacket refusal) {
        this.okSequence = sequenceId;
        if (state != null) {
            state = new MySqlSessionState(login.database());
            tracker.onCompletion(state::completed);
        }
        if (backend != null) {
            leaveBackend();
        }
        life.to(SessionPhase.MOVING);
        detachedAt = ticker.nanos();
        Runnable login = () -> connect(failoverDeadline(), fresh -> reset(fresh, refusal), true);
        if (refusal == null) {
            login.run();
        } else {
            client.eventLoop().schedule(login, REFUSED_CHANGE_USER_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void reset(MySqlBackend fresh, ErrPacket refusal) {
        if (life.ending() || !client.isActive()) {
            fresh.channel().close();
            releaseLease();
            return;
        }
        backend = fresh;
        beforeChange = null;
        registry.register(connectionId, new ConnectionRegistry.Target(fresh.instance(), fresh.threadId()));
        byte[] ok = fresh.okPayload();
        tracker.resetStatus(OkPacket.decode(Unpooled.wrappedBuffer(ok), login.capabilities()).statusFlags()
                & ~ServerStatus.IN_TRANS);
        relayFrom(fresh.channel());
        client.writeAndFlush(refusal == null
                ? MySqlPackets.frame(client.alloc(), okSequence & 0xFF, Unpooled.wrappedBuffer(ok))
                : MySqlErrors.frame(client.alloc(), okSequence & 0xFF, refusal));
        life.to(SessionPhase.RELAYING);
        releaseHeld();
        fresh.channel().config().setAutoRead(true);
        log.info("{}: session reset in {} ms; on {} thread {}", describe(),
                (ticker.nanos() - detachedAt) / 1_000_000, fresh.instance().name(), fresh.threadId());
        followPrimary();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** 20 random printable bytes: some clients treat the scramble as a NUL-terminated string. */
    static byte[] newScramble() {
        byte[] bytes = new byte[20];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (0x21 + RANDOM.nextInt(0x7E - 0x21));
        }
        return bytes;
    }
}
