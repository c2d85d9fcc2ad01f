package io.auriga.core.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The bounds of a backend login, the same for every engine: a failed connect fails the login, a
 * login not done within its timeout fails and closes the connection, and a successful one hands
 * over a channel that has stopped reading and shed the handlers that logged it in.
 */
public final class LoginDeadline {
    private LoginDeadline() {
    }

    /**
     * @param connected      the backend connection being opened, its login handlers in the pipeline
     * @param login          completed by those handlers
     * @param cannotConnect  the failure for a connect that failed, given its cause
     * @param timedOut       the failure for a login not done within {@code timeout}
     * @param loginHandlers  the names of the handlers to remove once logged in
     */
    public static <T> void guard(EventLoop loop, ChannelFuture connected, Promise<T> login, Duration timeout,
                                 Function<Throwable, Exception> cannotConnect, Supplier<Exception> timedOut,
                                 String... loginHandlers) {
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                login.tryFailure(cannotConnect.apply(f.cause()));
            }
        });
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            if (login.tryFailure(timedOut.get())) {
                connected.channel().close();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        login.addListener(f -> {
            deadline.cancel(false);
            if (f.isSuccess()) {
                Channel ch = connected.channel();
                ch.config().setAutoRead(false);
                for (String name : loginHandlers) {
                    ch.pipeline().remove(name);
                }
            }
        });
    }
}
