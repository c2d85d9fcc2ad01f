package io.auriga.config;

/**
 * The kernel interface the event loops use for every socket.
 * <ul>
 *   <li>{@link #AUTO}: io_uring where the kernel allows it, else epoll, else NIO.</li>
 *   <li>{@link #IO_URING}: one {@code io_uring_enter} submits a loop iteration's reads and writes for
 *       all its connections (the fewest system calls per relayed message).</li>
 *   <li>{@link #EPOLL}: {@code epoll_wait} plus one {@code recv}/{@code send} per read and flush.</li>
 *   <li>{@link #NIO}: the JDK's selector; portable, slowest.</li>
 * </ul>
 * A transport named explicitly that the machine cannot provide is an error at start, not a silent
 * fallback.
 */
public enum IoTransport {
    AUTO, IO_URING, EPOLL, NIO
}
