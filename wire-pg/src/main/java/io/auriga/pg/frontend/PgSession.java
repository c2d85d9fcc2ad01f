package io.auriga.pg.frontend;

import io.auriga.core.auth.LoginSecret;
import io.auriga.core.engine.EndpointContext;
import io.auriga.core.routing.ConnectionCounts;
import io.auriga.core.routing.Route;
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
public final class PgSession {
    static final AttributeKey<Boolean> TLS = AttributeKey.valueOf("auriga.pg.tls");
    private static final Logger log = LoggerFactory.getLogger(PgSession.class);

    private final Channel client;
    private final EndpointContext endpoint;
    private final PgBackendConnector connector;
    private final CancelRegistry cancels;
    private final CancelRegistry.Key key;
    private final Set<PgSession> live;
    private final PgMessageScanner fromBackend = new PgMessageScanner();
    private final PgMessageScanner fromClient = new PgMessageScanner();
    private String user;
    private String database;
    private Map<String, String> clientParameters = Map.of();
    private PgBackend backend;
    private ConnectionCounts.Lease lease;
    private ScheduledFuture<?> startupTimer;
    private boolean closing;

    PgSession(Channel client, EndpointContext endpoint, PgBackendConnector connector, CancelRegistry cancels,
              Set<PgSession> live) {
        this.live = live;
        this.client = client;
        this.endpoint = endpoint;
        this.connector = connector;
        this.cancels = cancels;
        this.key = cancels.newKey();
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
    }

    /** The client proved who it is: find an instance, log in there, and start relaying. */
    void authenticated(LoginSecret secret) {
        long failoverDeadline = System.nanoTime() + endpoint.cluster().failover().failoverTimeout().toNanos();
        route(secret, failoverDeadline);
    }

    /** Routes the session; during a failover it waits, re-routing every few milliseconds until the deadline. */
    private void route(LoginSecret secret, long failoverDeadline) {
        if (closing || !client.isActive()) {
            return;
        }
        Route route = endpoint.router().route();
        if (route instanceof Route.Wait wait) {
            if (System.nanoTime() - failoverDeadline >= 0) {
                fatal(PgError.fatal(PgError.FAILOVER_TIMEOUT, "failover of cluster " + endpoint.cluster().name()
                        + " did not finish in time").withDetail(wait.reason()), "gave up waiting for failover");
                return;
            }
            cancelTimer();
            client.eventLoop().schedule(() -> route(secret, failoverDeadline), 50, TimeUnit.MILLISECONDS);
            return;
        }
        if (route instanceof Route.Unavailable unavailable) {
            fatal(PgError.fatal(PgError.CANNOT_CONNECT, "no instance available for endpoint " + endpoint.name())
                    .withDetail(unavailable.reason()), unavailable.reason());
            return;
        }
        Route.To to = (Route.To) route;
        Map<String, String> parameters = new LinkedHashMap<>(clientParameters);
        if (endpoint.router().readOnly()) {
            // A write sent to the reader endpoint fails loudly, even on a replica that has just been promoted.
            parameters.put("default_transaction_read_only", "on");
        }
        lease = endpoint.counts().acquire(to.instance().name());
        Future<PgBackend> login = connector.connect(client.eventLoop(), to.instance(), user, parameters, secret);
        login.addListener(f -> {
            if (f.isSuccess()) {
                ready(login.getNow());
            } else {
                loginFailed(f.cause());
            }
        });
    }

    private void loginFailed(Throwable cause) {
        if (cause instanceof BackendLoginException e && e.errorResponse() != null) {
            log.info("{}: {}", describe(), e.getMessage());
            closeAfter(Unpooled.wrappedBuffer(e.errorResponse()));
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
        cancelTimer();
        live.add(this);
        cancels.register(key, new CancelRegistry.Target(backend.address(), backend.processId(), backend.secretKey()));
        backend.channel().pipeline().addLast("relay", new PgRelayHandler(this, client, fromBackend, true));
        client.pipeline().remove(PgFrontendInitializer.AUTH);
        client.pipeline().addLast("relay", new PgRelayHandler(this, backend.channel(), fromClient, false));
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
     * ended with a clear error rather than left writing to a former primary. Called from any thread.
     */
    void primaryChanged(String primary, long epoch) {
        client.eventLoop().execute(() -> {
            if (closing || backend == null || backend.instance().name().equals(primary)) {
                return;
            }
            closing = true;
            log.warn("{}: primary changed to {} (epoch {}); ending the session on {}", describe(),
                    primary == null ? "none" : primary, epoch, backend.instance().name());
            if (fromBackend.atBoundary()) {
                String code = fromBackend.lastStatus() == PgMessageScanner.IDLE
                        ? PgError.CONNECTION_FAILURE : PgError.TRANSACTION_RESOLUTION_UNKNOWN;
                client.writeAndFlush(PgError.fatal(code, "the primary of cluster " + endpoint.cluster().name()
                        + " changed (failover); reconnect").encode(client.alloc()))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                client.close();
            }
        });
    }

    /** The backend connection closed while the client was still there. */
    void backendClosed() {
        if (closing || !client.isActive()) {
            return;
        }
        closing = true;
        if (fromClient.lastTag() == 'X') {
            // The client said Terminate and the backend obliged; the client closes its side next.
            client.close();
            return;
        }
        log.warn("{}: connection to {} lost", describe(), backend.instance().name());
        if (fromBackend.atBoundary()) {
            String code = fromBackend.lastStatus() == PgMessageScanner.IDLE
                    ? PgError.CONNECTION_FAILURE : PgError.TRANSACTION_RESOLUTION_UNKNOWN;
            client.writeAndFlush(PgError.fatal(code, "connection to database instance "
                    + backend.instance().name() + " was lost").encode(client.alloc()))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            client.close();
        }
    }

    /**
     * Releases what the session holds; called once when the client channel closes, before the
     * pipeline hears of it. A query still running for a client that left is cancelled rather than
     * left to run unseen.
     */
    void released() {
        live.remove(this);
        endpoint.metrics().clientDisconnected();
        cancelTimer();
        cancels.unregister(key);
        if (lease != null) {
            lease.close();
        }
        if (backend != null && backend.channel().isActive()) {
            if (fromClient.requests() > fromBackend.readies() || !fromBackend.atBoundary()) {
                log.info("{}: client left during a query; cancelling it on {}", describe(), backend.instance().name());
                cancels.send(new CancelRegistry.Target(backend.address(), backend.processId(), backend.secretKey()));
            }
            backend.channel().close();
        }
    }

    /** Sends a FATAL error to the client, logs the reason once, and closes. */
    void fatal(PgError error, String reason) {
        if (closing) {
            return;
        }
        log.info("{}: {} ({} {})", describe(), reason, error.code(), error.message());
        closeAfter(error.encode(client.alloc()));
    }

    private void closeAfter(ByteBuf message) {
        closing = true;
        cancelTimer();
        if (client.isActive()) {
            client.writeAndFlush(message).addListener(ChannelFutureListener.CLOSE);
        } else {
            message.release();
        }
    }

    private void cancelTimer() {
        if (startupTimer != null) {
            startupTimer.cancel(false);
        }
    }

    String describe() {
        return "session " + key.processId() + " from " + client.remoteAddress() + " on " + endpoint.name()
                + (user == null ? "" : " user=" + user + " database=" + database);
    }
}
