package io.auriga.core.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.Errors;
import io.netty.channel.uring.IoUringSocketChannel;
import java.io.IOException;

/**
 * Whether the far end of a connection has already closed it, asked of the kernel rather than of the
 * event loop. A server killed outright closes its sockets at once, but the proxy learns of it only
 * when its loop gets to that event; a client command read in the meantime would be sent into the
 * dead connection and fail as "lost while running", though nothing could have read it. Asking
 * before sending costs one {@code getsockopt(TCP_INFO)}, so callers ask only where it matters (the
 * first command after a quiet spell). On NIO the answer is always false.
 */
public final class PeerHangup {
    /** Linux TCP states: the peer's FIN arrived (CLOSE_WAIT), or its RST (CLOSE). */
    private static final int TCP_CLOSE = 7;
    private static final int TCP_CLOSE_WAIT = 8;

    private PeerHangup() {
    }

    /**
     * Whether {@code cause}, an error on a connection, says the peer reset it. A peer that closes a
     * connection with bytes it never read resets it rather than ending it with a FIN: what a server does
     * with a command that arrived after it was killed, or while it was frozen.
     */
    public static boolean isReset(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Errors.NativeIoException e && e.expectedErr() == Errors.ERRNO_ECONNRESET_NEGATIVE) {
                return true;
            }
            if (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("Connection reset")) {
                return true;
            }
        }
        return false;
    }

    public static boolean seen(Channel channel) {
        if (!channel.isActive()) {
            return false;
        }
        try {
            int state;
            if (channel instanceof IoUringSocketChannel socket) {
                state = socket.tcpInfo().state();
            } else if (channel instanceof EpollSocketChannel socket) {
                state = socket.tcpInfo().state();
            } else {
                return false;
            }
            return state == TCP_CLOSE_WAIT || state == TCP_CLOSE;
        } catch (ChannelException e) {
            return false;
        }
    }
}
