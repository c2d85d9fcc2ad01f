package io.auriga.pg.frontend;

import io.auriga.core.auth.LoginSecret;
import io.auriga.pg.backend.BackendLoginException;
import io.auriga.pg.backend.PgBackend;
import io.auriga.pg.backend.PgBackendConnector;
import io.auriga.pg.protocol.PgError;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.Map;
import java.util.Objects;

/**
 * Tells a backend ended by {@code pg_terminate_backend()} from one ended by its server's shutdown.
 * Both send the same {@code 57P01 terminating connection due to administrator command}, so the
 * notice itself cannot tell; the postmaster can. Once a shutdown has begun it refuses new
 * connections with {@code 57P03} (and after it exits, nothing listens), while after a targeted
 * termination it logs new sessions in as before. So the probe logs in to the same instance as
 * the session's user: asking the postmaster at the moment it matters is exact, where the
 * monitor's view can be a probe interval old and would take a shutdown for a termination.
 *
 * <p>A login that succeeds on an instance whose recovery state differs from the ended backend's
 * ({@code in_hot_standby}) means the instance was restarted in another role meanwhile: a shutdown.
 */
final class ShutdownProbe {
    private ShutdownProbe() {
    }

    /**
     * Completes with true when the instance {@code ended} ran on is going away (or gone), false when
     * it still takes new sessions. Never fails; bounded by the connector's login timeout.
     */
    static Future<Boolean> goingAway(PgBackendConnector connector, EventLoop loop, PgBackend ended, String user,
                                     Map<String, String> parameters, LoginSecret secret) {
        Promise<Boolean> verdict = loop.newPromise();
        connector.connect(loop, ended.instance(), user, parameters, secret).addListener(f -> {
            if (f.isSuccess()) {
                PgBackend probe = (PgBackend) f.getNow();
                probe.channel().close();
                verdict.setSuccess(!Objects.equals(probe.parameters().get("in_hot_standby"),
                        ended.parameters().get("in_hot_standby")));
            } else {
                verdict.setSuccess(refusedAsGoingAway(f.cause()));
            }
        });
        return verdict;
    }

    /**
     * A login refused with 57P03 (shutting down, starting up, in recovery), or not answered at all,
     * says the instance is going away; any other refusal (too many connections, say) comes from a
     * postmaster that still takes sessions.
     */
    static boolean refusedAsGoingAway(Throwable cause) {
        if (cause instanceof BackendLoginException e && e.errorResponse() != null) {
            byte[] message = e.errorResponse();
            String code = PgError.fields(Unpooled.wrappedBuffer(message, 5, message.length - 5)).get('C');
            return PgError.CANNOT_CONNECT_NOW.equals(code);
        }
        return true;
    }
}
