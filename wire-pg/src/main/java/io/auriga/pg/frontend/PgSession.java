package io.auriga.pg.frontend;

import io.auriga.core.LogText;
import io.auriga.core.net.ClientAdmission;
import io.auriga.core.auth.LoginSecret;
import io.auriga.core.engine.EndpointContext;
import io.auriga.core.routing.Route;
import io.auriga.core.session.RoutedLogin;
import io.auriga.core.session.SessionLife;
import io.auriga.core.session.SessionPhase;
import io.auriga.core.session.Ticker;
import io.auriga.core.topology.InstanceState;
import io.auriga.pg.backend.BackendLoginException;
import io.auriga.pg.backend.PgBackend;
import io.auriga.pg.backend.PgBackendConnector;
import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.PgMessageScanner;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection to a PostgreSQL endpoint, from accept to close: who the client is,
 * the backend serving it, and where both streams stand. The phase handlers call into it; it
 * lives on the client channel's event loop only, so it needs no locks.
 */
public final class PgSession implements io.auriga.core.topology.WriterSessions.Session {
    static final AttributeKey<Boolean> TLS = AttributeKey.valueOf("auriga.pg.tls");
    private static final Logger log = LoggerFactory.getLogger(PgSession.class);

    private final Channel client;
    private final EndpointContext endpoint;
    private final PgBackendConnector connector;
    private final CancelRegistry cancels;
    /** The key the client was given at login; null until then. */
    private CancelRegistry.Key key;
    private final Set<PgSession> live;
    /** Bound on what a client may send while its session moves to another backend. */
    private static final int MAX_HELD_BYTES = 1 << 20;
    /** Bound on a Query or Parse a reader endpoint holds whole to check it is not lifting read-only. */
    private static final int MAX_CHECKED_STATEMENT = 16 << 20;

    private final ShutdownNoticeWatcher shutdownNotice = new ShutdownNoticeWatcher();
    /** On reader endpoints: whether the server reported the session's read-only default lifted. */
    private final ReadOnlyLossWatcher readOnlyLoss;
    private final PgMessageScanner fromBackend;
    /** Set when the backend's shutdown notice was held back: whether the session was quiet then. */
    private Boolean quietAtShutdown;
    /** Requests sent since the backend stood idle; sent again when it died without reading them. */
    private final UnansweredRequests unanswered = new UnansweredRequests();
    private boolean resendUnanswered;
    private final PgMessageScanner fromClient;
    private final PgSessionState state;
    private final java.util.List<ByteBuf> held = new java.util.ArrayList<>();
    private int heldBytes;
    /** The session's part in a switchover; null on endpoints that do not follow the primary. */
    private final io.auriga.core.topology.WriterHold hold;
    /** The session's phase; the one place it changes. */
    private final Ticker ticker = Ticker.SYSTEM;
    private final SessionLife life = new SessionLife(this::describe, ticker);
    /** When the session last began to move to another backend. */
    private long movedAt;
    private LoginSecret secret;
    private PgRelayHandler clientRelay;
    private String user;
    private String database;
    private Map<String, String> clientParameters = Map.of();
    private PgBackend backend;
    private final RoutedLogin<PgBackend> routing;
    private ScheduledFuture<?> startupTimer;

    PgSession(Channel client, EndpointContext endpoint, PgBackendConnector connector, CancelRegistry cancels,
              Set<PgSession> live) {
        this.live = live;
        this.client = client;
        this.endpoint = endpoint;
        this.connector = connector;
        this.cancels = cancels;
        this.routing = new RoutedLogin<>(endpoint, client, ticker, new RoutedLogin.Backends<>() {
            @Override
            public Future<PgBackend> acquire(EventLoop loop, InstanceState instance) {
                return connector.acquire(loop, instance, user, backendParameters(), secret);
            }

            @Override
            public Channel channel(PgBackend backend) {
                return backend.channel();
            }

            @Override
            public boolean refused(Throwable cause) {
                return cause instanceof BackendLoginException e && (e.errorResponse() != null || e.cannotAuthenticate());
            }
        }, () -> !life.ending() && client.isActive(), this::cancelTimer);
        this.readOnlyLoss = endpoint.router().readOnly() ? new ReadOnlyLossWatcher() : null;
        this.fromBackend = new PgMessageScanner(readOnlyLoss == null ? shutdownNotice
                : PgMessageScanner.Watcher.both(shutdownNotice, readOnlyLoss), 4096);
        // Only sessions that follow the primary are ever moved, so only they track their state.
        this.state = endpoint.router().followsPrimary() ? new PgSessionState() : null;
        this.fromClient = new PgMessageScanner(new StaleSessionWatcher(state,
                endpoint.router().topology()::staleSessions), PgSessionState.WATCH_LIMIT);
        this.hold = state == null ? null : new io.auriga.core.topology.WriterHold(
                endpoint.router().topology().writerGate(), this, client, MAX_HELD_BYTES,
                io.auriga.core.topology.WriterHold.limit(endpoint.cluster().failover()), this::sendKept);
    }

    EndpointContext endpoint() {
        return endpoint;
    }

    CancelRegistry cancels() {
        return cancels;
    }

    String user() {
        return user;
    }

    boolean tls() {
        return Boolean.TRUE.equals(client.attr(TLS).get());
    }

    /** Bounds the time from accept to a ready session by the configured startup timeout. */
    void startTimer() {
        endpoint.metrics().clientConnected();
        long millis = endpoint.server().startupTimeout().toMillis();
        startupTimer = client.eventLoop().schedule(() -> fatal(PgError.fatal(PgError.PROTOCOL_VIOLATION,
                        "connection did not complete startup and authentication within " + millis + " ms"),
                "startup timeout"), millis, TimeUnit.MILLISECONDS);
    }

    void started(String user, String database, Map<String, String> parameters) {
        this.user = user;
        this.database = database;
        this.clientParameters = parameters;
        if (!life.ending()) {
            life.to(SessionPhase.AUTHENTICATING);
        }
    }

    /** The client proved who it is: find an instance, log in there, and start relaying. */
    void authenticated(LoginSecret loginSecret) {
        this.secret = loginSecret;
        if (life.ending()) {
            return;
        }
        life.to(SessionPhase.CONNECTING);
        connect(failoverDeadline(), this::ready, true);
    }

    private long failoverDeadline() {
        return routing.deadline();
    }

    /** Routes the session and logs in to the chosen instance (see {@link RoutedLogin}). */
    private void connect(long deadline, java.util.function.Consumer<PgBackend> onReady, boolean first) {
        routing.connect(deadline, first, onReady, this::connectFailed);
    }

    private void connectFailed(RoutedLogin.Failure failure) {
        if (failure instanceof RoutedLogin.Failure.GaveUp gaveUp) {
            fatal(PgError.fatal(PgError.FAILOVER_TIMEOUT, "failover of cluster " + endpoint.cluster().name()
                    + " did not finish in time").withDetail(gaveUp.reason()), "gave up waiting for failover");
        } else if (failure instanceof RoutedLogin.Failure.Unavailable unavailable) {
            fatal(PgError.fatal(unavailable.first() ? PgError.CANNOT_CONNECT : PgError.CONNECTION_FAILURE,
                    "no instance available for endpoint " + endpoint.name()).withDetail(unavailable.reason()),
                    unavailable.reason());
        } else {
            loginFailed(((RoutedLogin.Failure.LoginFailed) failure).cause());
        }
    }

    private Map<String, String> backendParameters() {
        Map<String, String> parameters = new LinkedHashMap<>(clientParameters);
        if (endpoint.router().readOnly()) {
            // A write sent to the reader endpoint fails loudly, even on a replica that has just been promoted.
            parameters.put("default_transaction_read_only", "on");
        }
        return parameters;
    }

    private void loginFailed(Throwable cause) {
        if (cause instanceof BackendLoginException e && e.errorResponse() != null) {
            log.info("{}: {}", describe(), LogText.escape(e.getMessage()));
            closeAfter(Unpooled.wrappedBuffer(e.errorResponse()));
            return;
        }
        if (cause instanceof BackendLoginException e && e.cannotAuthenticate()) {
            // What the client would get directly: the server refuses a password it cannot check.
            fatal(PgError.fatal(PgError.INVALID_PASSWORD, "password authentication failed for user \"" + user + "\"")
                    .withDetail(cause.getMessage()), cause.getMessage());
            return;
        }
        endpoint.metrics().backendConnectFailed();
        fatal(PgError.fatal(PgError.CANNOT_CONNECT, "cannot connect to the database through endpoint "
                + endpoint.name()).withDetail(cause.getMessage()), cause.getMessage());
    }

    private void ready(PgBackend newBackend) {
        if (!client.isActive()) {
            newBackend.channel().close();
            return;
        }
        backend = newBackend;
        life.to(SessionPhase.RELAYING);
        cancelTimer();
        ClientAdmission.loggedIn(client);
        live.add(this);
        key = cancels.issue(new CancelRegistry.Target(backend.address(), backend.processId(), backend.secretKey()));
        backend.channel().pipeline().addLast("relay", new PgRelayHandler(this, client, fromBackend, true));
        client.pipeline().remove(PgFrontendInitializer.AUTH);
        clientRelay = new PgRelayHandler(this, backend.channel(), fromClient, false);
        if (endpoint.router().readOnly()) {
            client.pipeline().addLast(PgReadOnlyGuard.NAME, new PgReadOnlyGuard(endpoint.name(), MAX_CHECKED_STATEMENT));
        }
        client.pipeline().addLast("relay", clientRelay);
        // Removing the decoder last hands any bytes it still holds to the relay, in order.
        client.pipeline().remove(PgFrontendInitializer.AUTH_DECODER);
        client.write(PgMessages.authentication(client.alloc(), PgMessages.AUTH_OK, new byte[0]));
        backend.parameters().forEach((name, value) -> client.write(PgMessages.parameterStatus(client.alloc(), name,
                value)));
        client.write(PgMessages.backendKeyData(client.alloc(), key.processId(), key.secretKey()));
        client.writeAndFlush(PgMessages.readyForQuery(client.alloc(), PgMessageScanner.IDLE));
        backend.channel().config().setAutoRead(true);
        client.config().setAutoRead(true);
        log.debug("{}: relaying to {}", describe(), backend.instance().name());
    }

    /**
     * The cluster has a new primary (or none). A session whose backend is on another instance is
     * moved to the new primary when it is idle, and ended with a clear error otherwise, never left
     * writing to a former primary. Called from any thread.
     */
    @Override
    public void primaryChanged(String primary, long epoch) {
        client.eventLoop().execute(() -> {
            if (life.ending() || life.detached() || backend == null || backend.instance().name().equals(primary)) {
                return;
            }
            lost("the primary of cluster " + endpoint.cluster().name() + " changed to "
                    + (primary == null ? "none" : primary) + " (epoch " + epoch + ")");
        });
    }

    /** The backend connection closed while the client was still there. */
    void backendClosed() {
        if (life.ending() || life.detached() || !client.isActive()) {
            return;
        }
        if (fromClient.lastTag() == 'X') {
            // The client said Terminate and the backend obliged; the client closes its side next.
            life.close();
            client.close();
            return;
        }
        if (fromClient.corrupt()) {
            // The backend read a message length it could not take and left without a word (it logs
            // the violation only); the fault is the client's, not the instance's.
            fatal(PgError.fatal(PgError.PROTOCOL_VIOLATION, "invalid message length"),
                    "the client broke the protocol: a message with an impossible length");
            return;
        }
        String farewell = shutdownNotice.farewell();
        if (farewell != null && fromBackend.lastTag() == 'E' && fromBackend.atBoundary()) {
            // The backend ended the session with a FATAL the client has received: nothing was lost.
            life.close();
            log.info("{}: {} ended the session{}: {}", describe(), backend.instance().name(),
                    farewell.startsWith(PgError.PROTOCOL_VIOLATION) ? " for the client's protocol violation" : "",
                    farewell);
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        endpoint.router().topology().suspect(backend.instance().name());
        lost("connection to database instance " + backend.instance().name() + " was lost");
    }

    /** The backend is gone or must not be used: move an idle session, end any other with an error. */
    private void lost(String what) {
        if (canReattach()) {
            reattach(what, "failover");
            return;
        }
        life.close();
        String pinnedBy = state == null ? null : state.pinned();
        log.warn("{}: {}; ending the session{}", describe(), what, pinnedBy == null ? " (" + streams() + ")"
                : " (it holds " + pinnedBy + ", which cannot be moved)");
        if (fromBackend.atBoundary()) {
            String code = fromBackend.lastStatus() == PgMessageScanner.IDLE
                    ? PgError.CONNECTION_FAILURE : PgError.TRANSACTION_RESOLUTION_UNKNOWN;
            PgError error = PgError.fatal(code, what);
            client.writeAndFlush((pinnedBy == null ? error : error.withDetail("The session held " + pinnedBy
                    + ", which cannot be carried to another instance.")).encode(client.alloc()))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            client.close();
        }
    }

    /**
     * True when nothing of the session would be lost by moving it: it follows the primary, holds no
     * state that cannot be replayed, and both streams stand idle between commands.
     */
    private boolean canReattach() {
        boolean quiet = quietAtShutdown != null ? quietAtShutdown : quiet();
        return state != null && state.pinned() == null && quiet;
    }

    /** Where both streams stand, for a log line that explains why a session could not be moved. */
    private String streams() {
        return "client sent " + fromClient.requests() + " request(s), last '" + (char) fromClient.lastTag()
                + "'" + (fromClient.atBoundary() ? "" : " (partial)") + ", " + (hold == null ? 0 : hold.parkedCount())
                + " kept back; backend "
                + "answered " + fromBackend.readies() + ", last '" + (char) fromBackend.lastTag() + "'"
                + (fromBackend.atBoundary() ? "" : " (partial)") + ", status '" + (char) fromBackend.lastStatus() + "'";
    }

    /** Both streams stand between commands: no command is in flight (a transaction may be open). */
    boolean quiet() {
        return fromBackend.readyForQuery() && fromClient.atBoundary() && clientBetweenRequests()
                && fromClient.requests() == fromBackend.readies();
    }

    /**
     * False while the client is halfway through an extended-protocol batch: Parse/Bind/Execute
     * sent, Sync not yet. The backend runs an Execute at once, so such a session is not idle even
     * though every ReadyForQuery it was owed has come.
     */
    private boolean clientBetweenRequests() {
        byte tag = fromClient.lastTag();
        return tag == 0 || tag == 'Q' || tag == 'S' || tag == 'F' || tag == 'X' || tag == 'c' || tag == 'f';
    }

    /** True when the last ErrorResponse from the backend was a shutdown notice (consumes the flag). */
    /**
     * Ends a reader session whose server reported its read-only default lifted, before the
     * client hears of it (the chunk is dropped): it must not write, and no statement of its can
     * be trusted to keep it from writing. Returns whether it did.
     */
    boolean readOnlyLost(ByteBuf chunk) {
        if (readOnlyLoss == null || !readOnlyLoss.lost()) {
            return false;
        }
        chunk.release();
        if (!life.ending()) {
            log.warn("{}: the session lifted {} on a reader endpoint; it is ended", describe(),
                    ReadOnlyLossWatcher.SETTING);
            closeAfter(new PgError("FATAL", PgReadOnlyGuard.READ_ONLY_SQL_TRANSACTION,
                    "terminating connection: the session lifted read-only on reader endpoint \"" + endpoint.name()
                            + "\"", null, "Writes go through the writer endpoint.").encode(client.alloc()));
            if (backend != null) {
                backend.channel().close();
            }
        }
        return true;
    }

    boolean shutdownNotice() {
        return shutdownNotice.takeSeen();
    }

    /**
     * The backend announced it is going away with its server, and the notice was kept from the
     * client. The session acts at once — before the client can send a command to the doomed
     * backend — moving it when it was quiet and ending it with the proxy's own error otherwise.
     * A notice that an administrator's {@code pg_terminate_backend()} sends too is first checked
     * ({@link #checkTermination}).
     *
     * @param notice      the backend's ErrorResponse, whole; released here
     * @param afterReady  whether the message before the notice was a ReadyForQuery
     * @param firstInRead whether the notice came first in its read (the ReadyForQuery before it was
     *                    relayed in an earlier one)
     */
    void backendShuttingDown(ByteBuf notice, boolean afterReady, boolean firstInRead) {
        if (life.ending() || life.detached() || !client.isActive()) {
            notice.release();
            return;
        }
        quietAtShutdown = afterReady && fromClient.atBoundary() && clientBetweenRequests()
                && fromClient.requests() == fromBackend.readies();
        // Requests sent after the backend's last ReadyForQuery (read before this one) that it died
        // before reading: nothing of them ran, so the moved session sends them to the new primary.
        resendUnanswered = !quietAtShutdown && afterReady && firstInRead && shutdownNotice.unread()
                && state != null && fromBackend.lastStatus() == PgMessageScanner.IDLE && fromClient.atBoundary()
                && clientBetweenRequests() && unanswered.resendable(state.namedParses());
        if (resendUnanswered) {
            quietAtShutdown = true;
        }
        if (shutdownNotice.ambiguous() && !proxyMovingPrimary()) {
            checkTermination(notice);
            return;
        }
        notice.release();
        instanceGoingAway();
    }

    private void instanceGoingAway() {
        endpoint.router().topology().suspect(backend.instance().name());
        lost("database instance " + backend.instance().name() + " is shutting down");
    }

    /**
     * True when the proxy itself is taking writes away from the session's instance (a switchover
     * holds them, or writes route elsewhere or nowhere): it ends sessions there with
     * {@code pg_terminate_backend()} when it fences or drains a former primary, and those sessions
     * move as in a shutdown.
     */
    private boolean proxyMovingPrimary() {
        if (state == null) {
            return false;
        }
        return writerGate().held() || !(endpoint.router().route() instanceof Route.To to
                && to.instance().name().equals(backend.instance().name()));
    }

    /**
     * 57P01 comes from a shutdown and from {@code pg_terminate_backend()} alike: the instance is
     * asked ({@link ShutdownProbe}). A shutdown is handled as any other; a targeted termination
     * reaches the client unchanged and ends the session, as it would on a direct connection,
     * rather than being hidden by a move. Meanwhile the client is not read, and the session counts
     * as detached, so the backend's close and topology events wait for the verdict.
     */
    private void checkTermination(ByteBuf notice) {
        life.to(SessionPhase.CHECKING);
        client.config().setAutoRead(false);
        PgBackend ended = backend;
        ShutdownProbe.goingAway(connector, client.eventLoop(), ended, user, backendParameters(), secret)
                .addListener(f -> {
                    if (life.ending() || !client.isActive()) {
                        notice.release();
                        return;
                    }
                    if (Boolean.TRUE.equals(f.getNow()) || proxyMovingPrimary()) {
                        notice.release();
                        client.config().setAutoRead(true);
                        instanceGoingAway();
                        return;
                    }
                    log.info("{}: its backend on {} was terminated by an administrator; ending the session",
                            describe(), ended.instance().name());
                    life.close();
                    client.writeAndFlush(notice).addListener(ChannelFutureListener.CLOSE);
                });
    }

    /**
     * Moves a quiet session to the current primary; the client's next command waits for it. A
     * transaction the session had open is lost with its backend: until the client ends it, a
     * stand-in answers every command with 40001 (see {@link PgAbortedTransactionHandler}).
     *
     * @param event what took the backend away, {@code failover} or {@code switchover}, for the client
     */
    private void reattach(String why, String event) {
        life.to(SessionPhase.MOVING);
        movedAt = ticker.nanos();
        boolean inTransaction = fromBackend.lastStatus() != PgMessageScanner.IDLE;
        if (resendUnanswered) {
            for (ByteBuf chunk : unanswered.take()) {
                hold(chunk);
            }
        } else {
            unanswered.disarm();
        }
        unparkInto(held);
        log.info("{}: {}; moving the session to the primary{}", describe(), why,
                inTransaction ? " (its open transaction is lost and reported to the client)"
                        : resendUnanswered ? " (the backend died before reading the request in flight, which goes "
                        + "to the new primary)" : "");
        resendUnanswered = false;
        if (inTransaction) {
            PgError aborted = new PgError("ERROR", PgError.SERIALIZATION_FAILURE, "the transaction was aborted by a "
                    + event + " of cluster " + endpoint.cluster().name() + ": " + why, null,
                    "Roll back and run the transaction again; the connection itself is still usable.");
            client.pipeline().addBefore("relay", PgAbortedTransactionHandler.DECODER,
                    new io.auriga.pg.protocol.PgFrameDecoder(PgSessionState.WATCH_LIMIT));
            client.pipeline().addBefore("relay", PgAbortedTransactionHandler.NAME,
                    new PgAbortedTransactionHandler(aborted, state::statementSql, this::lostTransactionEnded));
        }
        PgBackend old = backend;
        if (old.channel().pipeline().get("relay") != null) {
            old.channel().pipeline().remove("relay");
        }
        old.channel().close();
        releaseLease();
        connect(failoverDeadline(), this::replay, false);
    }

    /** Rebuilds the session's SETs and prepared statements on the new backend before it takes traffic. */
    private void replay(PgBackend fresh) {
        if (!client.isActive()) {
            fresh.channel().close();
            return;
        }
        int[] readies = new int[1];
        ByteBuf messages = state.replay(fresh.channel().alloc(), readies);
        if (readies[0] == 0) {
            messages.release();
            attach(fresh);
            return;
        }
        life.to(SessionPhase.REPLAYING);
        io.netty.util.concurrent.Promise<Void> done = client.eventLoop().newPromise();
        fresh.channel().pipeline().addLast("replay-decoder", new io.auriga.pg.protocol.PgFrameDecoder(1 << 20));
        fresh.channel().pipeline().addLast("replay", new PgReplayHandler(readies[0], done));
        ScheduledFuture<?> timeout = client.eventLoop().schedule(() -> done.tryFailure(
                new IllegalStateException("replaying the session's state timed out")),
                endpoint.server().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        done.addListener(f -> {
            timeout.cancel(false);
            if (!f.isSuccess()) {
                fresh.channel().close();
                fatal(PgError.fatal(PgError.CONNECTION_FAILURE, "the session could not be restored on "
                        + fresh.instance().name() + " after losing its backend").withDetail(f.cause().getMessage()),
                        f.cause().getMessage());
                return;
            }
            fresh.channel().config().setAutoRead(false);
            fresh.channel().pipeline().remove("replay");
            fresh.channel().pipeline().remove("replay-decoder");
            attach(fresh);
        });
        fresh.channel().writeAndFlush(messages);
        fresh.channel().config().setAutoRead(true);
    }

    /** Makes {@code fresh} the session's backend and lets the held client bytes through. */
    private void attach(PgBackend fresh) {
        backend = fresh;
        quietAtShutdown = null;
        fromBackend.assumeIdle();
        cancels.register(key, new CancelRegistry.Target(fresh.address(), fresh.processId(), fresh.secretKey()));
        fresh.channel().pipeline().addLast("relay", new PgRelayHandler(this, client, fromBackend, true));
        clientRelay.retarget(fresh.channel());
        life.to(SessionPhase.RELAYING);
        for (ByteBuf chunk : held) {
            fresh.channel().write(chunk, fresh.channel().voidPromise());
        }
        held.clear();
        heldBytes = 0;
        fresh.channel().flush();
        fresh.channel().config().setAutoRead(true);
        client.config().setAutoRead(true);
        log.info("{}: re-attached to {} in {} ms ({} setting(s) and {} prepared statement(s) restored)", describe(),
                fresh.instance().name(), (ticker.nanos() - movedAt) / 1_000_000, state.settingCount(),
                state.statementCount());
        backendRelayed();
    }

    private io.auriga.core.topology.WriterGate writerGate() {
        return endpoint.router().topology().writerGate();
    }

    /**
     * True when the session stands between transactions on a backend it may keep using: nothing
     * in flight, no transaction open, not moving.
     */
    private boolean betweenTransactions() {
        return !life.detached() && backend != null && quiet() && fromBackend.lastStatus() == PgMessageScanner.IDLE;
    }

    /**
     * A switchover holds new transactions (see {@link io.auriga.core.topology.WriterGate}): tell it
     * once this session stands between transactions. Called from any thread.
     */
    @Override
    public void holdRequested() {
        client.eventLoop().execute(() -> hold.requested(life.ending() || !client.isActive() || betweenTransactions()));
    }

    /** Called after each chunk relayed from the backend: has a transaction the switchover waits for ended? */
    void backendRelayed() {
        if (state == null) {
            return;
        }
        boolean between = betweenTransactions();
        if (between) {
            unanswered.arm(state.namedParses());
        } else {
            unanswered.disarm();
        }
        hold.relayed(between);
    }

    /** A client chunk went to the backend. */
    void sentToBackend(ByteBuf chunk) {
        unanswered.sent(chunk);
    }

    /**
     * Keeps {@code chunk} back, unscanned, when a switchover holds new transactions and this
     * session stands between them (or already keeps earlier bytes back, which must stay in order).
     *
     * @return true when the chunk was kept
     */
    boolean parks(ByteBuf chunk) {
        if (hold == null) {
            return false;
        }
        boolean first = !hold.hasParked();
        if (!hold.park(chunk, betweenTransactions())) {
            return false;
        }
        if (first && !life.ending()) {
            life.to(SessionPhase.HELD);
        }
        return true;
    }

    /**
     * The switchover ended. A session still on its backend (the switchover was rolled back, or the
     * primary stayed) sends what it kept back there; one that moves has taken it along already.
     * Called from any thread.
     */
    @Override
    public void writesReleased() {
        client.eventLoop().execute(() -> {
            hold.gateReleased();
            sendKept();
        });
    }

    /**
     * Sends on what the session kept back during a switchover: to its backend, or, when the primary
     * moved meanwhile, along with the session to the new one. On the event loop.
     */
    private void sendKept() {
        if (!hold.hasParked() || life.ending() || life.detached() || !client.isActive()) {
            return;
        }
        String primary = endpoint.router().topology().current().primary()
                .map(InstanceState::name).orElse(null);
        if (primary != null && !primary.equals(backend.instance().name())) {
            // The gate opens as soon as the new primary is published, which may be before this
            // session hears of it: it moves now, taking what it kept back along.
            lost("the primary of cluster " + endpoint.cluster().name() + " changed to " + primary);
            return;
        }
        for (ByteBuf chunk : hold.takeParked()) {
            clientRelay.relayKept(chunk);
        }
        life.to(SessionPhase.RELAYING);
        backend.channel().flush();
        client.config().setAutoRead(true);
    }

    /**
     * The switchover's drain deadline passed with this session still inside a transaction: the
     * transaction is given up as in a failover (40001 until the client ends it, the connection
     * stays usable), or, with a command still running, the session ends with 08007/08006.
     */
    @Override
    public void drainExpired(String why) {
        client.eventLoop().execute(() -> {
            if (life.ending() || life.detached() || !client.isActive() || betweenTransactions()) {
                hold.arrived();
                return;
            }
            if (canReattach()) {
                reattach(why, "switchover");
            } else {
                lost(why);
            }
            hold.arrived();
        });
    }

    /** Scans the bytes kept back during a switchover and moves them, in order, to {@code into}. */
    private void unparkInto(java.util.List<ByteBuf> into) {
        if (hold == null) {
            return;
        }
        for (ByteBuf chunk : hold.takeParked()) {
            fromClient.scan(chunk);
            into.add(chunk);
            heldBytes += chunk.readableBytes();
        }
    }

    /**
     * The client ended the transaction lost in a failover. Statements it prepared by name while
     * ending it were answered by the stand-in, so the backend is taught them now (or with the
     * session's replay, if the session has not reached its new backend yet).
     */
    private void lostTransactionEnded(java.util.List<byte[]> parses) {
        log.info("{}: the client ended the transaction lost in the failover", describe());
        for (byte[] parse : parses) {
            state.message((byte) 'P', Unpooled.wrappedBuffer(parse));
        }
        if (parses.isEmpty() || life.detached()) {
            return;
        }
        ByteBuf messages = client.alloc().buffer();
        for (byte[] parse : parses) {
            messages.writeByte('P').writeInt(4 + parse.length).writeBytes(parse);
        }
        messages.writeByte('S').writeInt(4);
        Channel backendChannel = backend.channel();
        io.netty.util.concurrent.Promise<Void> done = backendChannel.eventLoop().newPromise();
        backendChannel.pipeline().addBefore("relay", "replay-decoder",
                new io.auriga.pg.protocol.PgFrameDecoder(1 << 20));
        backendChannel.pipeline().addBefore("relay", "replay", new PgReplayHandler(1, done));
        done.addListener(f -> {
            backendChannel.pipeline().remove("replay");
            // Removing the decoder last hands anything after the swallowed answers to the relay.
            backendChannel.pipeline().remove("replay-decoder");
            if (!f.isSuccess()) {
                log.warn("{}: re-preparing statements after the lost transaction failed: {}", describe(),
                        f.cause().getMessage());
            }
        });
        backendChannel.writeAndFlush(messages);
    }

    boolean detached() {
        return life.detached();
    }

    /** Keeps what the client sends while its session moves; stops reading past a bound. */
    void hold(ByteBuf chunk) {
        held.add(chunk);
        heldBytes += chunk.readableBytes();
        if (heldBytes > MAX_HELD_BYTES) {
            client.config().setAutoRead(false);
        }
    }

    /**
     * Releases what the session holds; called once when the client channel closes, before the
     * pipeline hears of it. A query still running for a client that left is cancelled rather than
     * left to run unseen.
     */
    /**
     * A Terminate from the client, alone in its read, with the backend idle outside a transaction: it is
     * not relayed, so that the backend can serve the next client ({@link #released}); the client's
     * connection is closed, as the backend would have closed it.
     */
    boolean terminateKeepsBackend(ByteBuf chunk) {
        int at = chunk.readerIndex();
        if (chunk.readableBytes() != 5 || chunk.getByte(at) != 'X' || chunk.getInt(at + 1) != 4 || !keepable()) {
            return false;
        }
        life.to(SessionPhase.LEAVING);
        client.close();
        return true;
    }

    /**
     * Whether the backend can serve another client once this one leaves: it is idle outside a
     * transaction with nothing half sent either way, and the session is not moving. The pool resets it
     * before anyone else gets it.
     */
    private boolean keepable() {
        return connector.pool().enabled() && backend != null && !life.ending() && !life.detached() && held.isEmpty()
                && (hold == null || !hold.hasParked()) && fromClient.lastTag() != 'X' && quiet()
                && fromBackend.lastStatus() == PgMessageScanner.IDLE && !clientParameters.containsKey("replication")
                && backend.channel().isActive();
    }

    void released() {
        // A session that started moving after its client said Terminate has no relay on that backend.
        boolean keep = (life.is(SessionPhase.LEAVING) || keepable()) && backend != null
                && backend.channel().isActive() && backend.channel().pipeline().get(PgRelayHandler.class) != null;
        life.closed();
        live.remove(this);
        unanswered.disarm();
        held.forEach(ByteBuf::release);
        held.clear();
        if (hold != null) {
            hold.close();
        }
        endpoint.metrics().clientDisconnected();
        cancelTimer();
        if (key != null) {
            cancels.unregister(key);
        }
        releaseLease();
        if (keep) {
            ChannelPipeline pipeline = backend.channel().pipeline();
            pipeline.remove(PgRelayHandler.class);
            if (pipeline.first() == null) {
                connector.pool().give(backend, user, backendParameters(), secret);
                return;
            }
        }
        if (backend != null && backend.channel().isActive()) {
            if (fromClient.requests() > fromBackend.readies() || !fromBackend.atBoundary()) {
                log.info("{}: client left during a query; cancelling it on {}", describe(), backend.instance().name());
                cancels.send(client.eventLoop(), new CancelRegistry.Target(backend.address(), backend.processId(), backend.secretKey()));
            }
            backend.channel().close();
        }
    }

    /** The client said Terminate instead of logging in: it is closed without an answer. */
    void leftBeforeStartup() {
        log.debug("{}: client left before its startup packet", describe());
        life.close();
        cancelTimer();
        client.close();
    }

    /** Sends a FATAL error to the client, logs the reason once, and closes. */
    void fatal(PgError error, String reason) {
        if (life.ending()) {
            return;
        }
        log.info("{}: {} ({} {})", describe(), LogText.escape(reason), error.code(), LogText.escape(error.message()));
        closeAfter(error.encode(client.alloc()));
    }

    private void closeAfter(ByteBuf message) {
        life.close();
        cancelTimer();
        if (client.isActive()) {
            client.writeAndFlush(message).addListener(ChannelFutureListener.CLOSE);
        } else {
            message.release();
        }
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
        return "session " + (key == null ? "(logging in)" : key.processId()) + " from " + client.remoteAddress()
                + " on " + endpoint.name()
                + (user == null ? "" : " user=" + LogText.escape(user) + " database=" + LogText.escape(database));
    }
}
