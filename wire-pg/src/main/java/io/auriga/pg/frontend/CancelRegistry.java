package io.auriga.pg.frontend;

import io.auriga.core.net.EventLoops;
import io.auriga.pg.protocol.PgMessages;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the BackendKeyData the proxy hands to clients to the backend connection currently
 * serving each session, so a CancelRequest arriving on any endpoint reaches the right backend.
 *
 * <p>The process id a client is told is its backend's own, so that {@code pg_cancel_backend},
 * {@code pg_terminate_backend} and {@code pg_stat_activity} name the session as they would on a
 * direct connection. The secret key is the proxy's: random, and never the backend's, so that a
 * key seen by one client cannot be used against the instance directly, and so that it keeps
 * working through the proxy when the session moves to another backend (a client cannot be told a
 * new key). Two instances may hand out the same process id; the secret keeps such keys apart.
 */
public final class CancelRegistry {
    private static final Logger log = LoggerFactory.getLogger(CancelRegistry.class);

    private final Map<Long, Target> targets = new ConcurrentHashMap<>();
    private final SecureRandom random;
    private final EventLoops loops;
    private final Duration timeout;

    public CancelRegistry(SecureRandom random, EventLoops loops, Duration timeout) {
        this.random = random;
        this.loops = loops;
        this.timeout = timeout;
    }

    /** The backend a proxy key currently stands for. */
    public record Target(InetSocketAddress backend, int processId, int secretKey) {
    }

    /** A key handed to a client: its first backend's process id and a secret of the proxy's. */
    public record Key(int processId, int secretKey) {
        long id() {
            return ((long) processId << 32) | (secretKey & 0xFFFFFFFFL);
        }
    }

    /** A new key for a session whose first backend is {@code target}, with a secret no live key has. */
    public Key issue(Target target) {
        while (true) {
            Key key = new Key(target.processId(), random.nextInt());
            if (key.secretKey() != target.secretKey() && targets.putIfAbsent(key.id(), target) == null) {
                return key;
            }
        }
    }

    /** Points {@code key} at the backend now serving its session. */
    public void register(Key key, Target target) {
        targets.put(key.id(), target);
    }

    public void unregister(Key key) {
        targets.remove(key.id());
    }

    /**
     * Forwards a client's CancelRequest; unknown keys are ignored, as PostgreSQL does. The client's
     * cancel connection must stay open until the returned future completes: drivers take its close
     * to mean the cancel has landed, and send their next statement then.
     */
    public Future<Void> cancel(EventLoop loop, int processId, int secretKey) {
        Target target = targets.get(new Key(processId, secretKey).id());
        if (target == null) {
            log.info("cancel request with an unknown key for process {} ignored", processId);
            return loop.newSucceededFuture(null);
        }
        return send(loop, target);
    }

    /**
     * Sends a CancelRequest for {@code target} to its backend on a fresh connection. The future
     * completes (never fails) once the backend has closed that connection, which PostgreSQL does
     * only after it has signalled the backend process; or when the cancel could not be delivered
     * within the timeout, which is logged.
     */
    public Future<Void> send(EventLoop loop, Target target) {
        Promise<Void> delivered = loop.newPromise();
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(loops.clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .handler(new ChannelInboundHandlerAdapter())
                .connect(target.backend());
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            if (delivered.trySuccess(null)) {
                log.warn("cancel request to {} not confirmed within {} ms", target.backend(), timeout.toMillis());
                connect.channel().close();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        delivered.addListener(f -> deadline.cancel(false));
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                log.warn("cannot forward cancel request to {}: {}", target.backend(), f.cause().getMessage());
                delivered.trySuccess(null);
                return;
            }
            f.channel().closeFuture().addListener(closed -> delivered.trySuccess(null));
            f.channel().writeAndFlush(PgMessages.cancelRequest(f.channel().alloc(), target.processId(),
                    target.secretKey())).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        });
        return delivered;
    }
}
