package io.auriga.core.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

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
