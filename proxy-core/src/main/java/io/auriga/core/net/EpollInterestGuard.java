package io.auriga.core.net;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Keeps every socket in the epoll set while its channel is registered.
 *
 * <p>Netty's epoll transport (4.2.18 to at least 4.2.20) removes a socket from the epoll set
 * ({@code EPOLL_CTL_DEL}) when its channel's interest drops to nothing, but goes on treating it as
 * added: the next change of interest is an {@code EPOLL_CTL_MOD}, which fails with ENOENT, and the
 * channel is closed. A proxy channel reaches "nothing" whenever it has stopped reading (a session
 * waiting for its backend login, a relay under backpressure, a session held by a switchover) and
 * its read-hangup interest has been used up, either by a real half-close or by an event meant for
 * the previous owner of a reused descriptor, which epoll can still report in the same batch as the
 * accept or connect that reused it. Under a burst of short connections this closed one in a few
 * thousand new sessions ("Lost connection to server during query").
 *
 * <p>This wraps the epoll handler and, where the interest would become nothing, asks for
 * {@code EPOLLET} alone instead: the socket stays in the set, reports no readiness (errors and
 * hang-ups at most once, edge-triggered, so a stopped channel is not woken over and over), and the
 * next change of interest is a modification that works.
 */
final class EpollInterestGuard implements IoHandler {
    private final IoHandler epoll;

    private EpollInterestGuard(IoHandler epoll) {
        this.epoll = epoll;
    }

    /** Wraps every handler {@code epoll} makes. */
    static IoHandlerFactory wrap(IoHandlerFactory epoll) {
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new EpollInterestGuard(epoll.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return epoll.isChangingThreadSupported();
            }
        };
    }

    /** The interest actually submitted for {@code ops}: never nothing. */
    static IoOps guarded(IoOps ops) {
        if (ops instanceof EpollIoOps epollOps && epollOps.value() == 0) {
            return EpollIoOps.EPOLLET;
        }
        return ops;
    }

    @Override
    public void initialize() {
        epoll.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return epoll.run(context);
    }

    @Override
    public void prepareToDestroy() {
        epoll.prepareToDestroy();
    }

    @Override
    public void destroy() {
        epoll.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Guarded(epoll.register(handle));
    }

    @Override
    public void wakeup() {
        epoll.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return epoll.isCompatible(handleType);
    }

    private record Guarded(IoRegistration registration) implements IoRegistration {
        @Override
        public <T> T attachment() {
            return registration.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            return registration.submit(guarded(ops));
        }

        @Override
        public boolean isValid() {
            return registration.isValid();
        }

        @Override
        public boolean cancel() {
            return registration.cancel();
        }
    }
}
