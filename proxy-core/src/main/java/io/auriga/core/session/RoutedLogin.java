package io.auriga.core.session;

import io.auriga.core.engine.EndpointContext;
import io.auriga.core.routing.ConnectionCounts;
import io.auriga.core.routing.Route;
import io.auriga.core.topology.InstanceState;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Routes a session and logs it in to the chosen instance, whatever its protocol, retrying under a
 * deadline (the failover timeout):
 * <pre>
 *   route ─ Wait (a failover or switchover is under way) ─ again in 50 ms ─ past the deadline: {@link Failure.GaveUp}
 *         ─ Unavailable ─ a first login: {@link Failure.Unavailable} at once; a move: again in 100 ms until the deadline
 *         ─ To(instance) ─ a move while the writer gate is held: again in 10 ms (it goes where the switchover ends)
 *                        ─ lease the instance ─ log in ─ success: {@code onReady}
 *                                                     ─ refused by the database: {@link Failure.LoginFailed} at once
 *                                                     ─ unreachable: suspect it (the monitor probes now),
 *                                                       again in 100 ms until the deadline, then LoginFailed
 * </pre>
 * A first login reports failures at once; a move keeps trying until the deadline, since the instance
 * it lost may still be listed as primary until the monitor notices. The session's instance lease is
 * held here: taken when a login starts, given back when it fails or the session lets it go.
 *
 * @param <B> the protocol's backend connection
 */
public final class RoutedLogin<B> {

    /** What the protocol supplies: how to log in to an instance, and which failures the database decided. */
    public interface Backends<B> {
        /** Opens (or takes from the pool) a logged-in backend connection to {@code instance}. */
        Future<B> acquire(EventLoop loop, InstanceState instance);

        Channel channel(B backend);

        /** Whether {@code cause} is the database's refusal (or a login the proxy cannot answer): the same on every try. */
        boolean refused(Throwable cause);
    }

    /** Why no backend was found. */
    public sealed interface Failure {
        /** A failover or switchover did not end by the deadline. */
        record GaveUp(String reason, boolean first) implements Failure {
        }

        /** No instance can take the session. */
        record Unavailable(String reason, boolean first) implements Failure {
        }

        /** The login failed: refused by the database, or the instance stayed unreachable until the deadline. */
        record LoginFailed(Throwable cause, boolean first) implements Failure {
        }
    }

    private final EndpointContext endpoint;
    private final Channel client;
    private final Ticker ticker;
    private final Backends<B> backends;
    /** Whether the session still wants a backend (it is not ending, its client is there). */
    private final BooleanSupplier wanted;
    /** Called when the session starts to wait for a failover: a startup timer must not end it meanwhile. */
    private final Runnable waiting;
    private ConnectionCounts.Lease lease;

    public RoutedLogin(EndpointContext endpoint, Channel client, Ticker ticker, Backends<B> backends,
                       BooleanSupplier wanted, Runnable waiting) {
        this.endpoint = endpoint;
        this.client = client;
        this.ticker = ticker;
        this.backends = backends;
        this.wanted = wanted;
        this.waiting = waiting;
    }

    /** The deadline of a login or move starting now. */
    public long deadline() {
        return ticker.nanos() + endpoint.cluster().failover().failoverTimeout().toNanos();
    }

    /**
     * Finds a backend; calls exactly one of {@code onReady} and {@code onFailed}, on the client's event
     * loop, unless the session stops wanting one first (a backend opened meanwhile is then closed).
     *
     * @param first whether this is the session's first login (not a move)
     */
    public void connect(long deadline, boolean first, Consumer<B> onReady, Consumer<Failure> onFailed) {
        if (!wanted.getAsBoolean()) {
            return;
        }
        Route route = endpoint.router().route();
        boolean expired = ticker.nanos() - deadline >= 0;
        if (route instanceof Route.Wait wait) {
            if (expired) {
                onFailed.accept(new Failure.GaveUp(wait.reason(), first));
                return;
            }
            waiting.run();
            retry(50, deadline, first, onReady, onFailed);
            return;
        }
        if (route instanceof Route.Unavailable unavailable) {
            if (first || expired) {
                onFailed.accept(new Failure.Unavailable(unavailable.reason(), first));
            } else {
                retry(100, deadline, false, onReady, onFailed);
            }
            return;
        }
        if (!first && endpoint.router().topology().writerGate().held()) {
            // A switchover is moving the primary: a session that must move goes where it ends.
            retry(10, deadline, false, onReady, onFailed);
            return;
        }
        InstanceState instance = ((Route.To) route).instance();
        lease = endpoint.counts().acquire(instance.name());
        Future<B> login = backends.acquire(client.eventLoop(), instance);
        login.addListener(f -> {
            if (f.isSuccess() && !wanted.getAsBoolean()) {
                // The client left while its backend was being opened.
                backends.channel(login.getNow()).close();
                releaseLease();
                return;
            }
            if (f.isSuccess()) {
                onReady.accept(login.getNow());
                return;
            }
            releaseLease();
            if (backends.refused(f.cause()) || ticker.nanos() - deadline >= 0) {
                onFailed.accept(new Failure.LoginFailed(f.cause(), first));
            } else {
                // The instance could not be reached: have the monitor look at once, and try again; a
                // primary that died moments ago is replaced rather than reported.
                endpoint.router().topology().suspect(instance.name());
                retry(100, deadline, first, onReady, onFailed);
            }
        });
    }

    private void retry(long millis, long deadline, boolean first, Consumer<B> onReady, Consumer<Failure> onFailed) {
        client.eventLoop().schedule(() -> connect(deadline, first, onReady, onFailed), millis, TimeUnit.MILLISECONDS);
    }

    /** Gives back the lease on the session's instance, if it holds one. */
    public void releaseLease() {
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }
}
