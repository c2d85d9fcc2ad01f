package io.auriga.core.session;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a client session stands, whatever its protocol. A session is in exactly one phase; only
 * {@link SessionLife#to} changes it, and only along the arrows below:
 * <pre>
 *   STARTING ─► AUTHENTICATING ─► CONNECTING ─► RELAYING ◄──────────────┐
 *                                                 │  ▲ │                  │
 *                                  HELD ◄─────────┘  │ ├─► CHECKING ──────┤ (not going away)
 *                   (switchover keeps the next       │ │                  │
 *                    command back) ──────────────────┘ ├─► MOVING ─► REPLAYING
 *                                                       │     └────────────┘ (nothing to replay)
 *                                                       └─► LEAVING (Terminate, backend kept)
 *   every phase but CLOSED ─► CLOSING ─► CLOSED;  every phase ─► CLOSED (the client's channel closed)
 * </pre>
 * HELD, CHECKING and MOVING may also end the session (CLOSING); HELD may be checked or moved like
 * RELAYING, with what it kept back going along.
 */
public enum SessionPhase {
    /** Accepted; reading the startup packet (PostgreSQL) or answering the greeting (MySQL). */
    STARTING,
    /** The client is proving who it is. */
    AUTHENTICATING,
    /** Authenticated; routing and logging in to an instance, retried under the failover deadline. */
    CONNECTING,
    /** Bytes flow both ways between the client and its backend. */
    RELAYING,
    /** A switchover holds new transactions: the client's next command is kept back, in order. */
    HELD,
    /**
     * The backend said it is going away, in words that an administrator's termination of that one
     * connection uses too: the instance is asked which, and the client is not read meanwhile.
     */
    CHECKING,
    /** The backend was lost or must not be used; the session is routed and logged in again, client bytes held. */
    MOVING,
    /** A new backend is being taught the session's settings and prepared statements before it takes traffic. */
    REPLAYING,
    /** The client said goodbye with the backend idle: the backend is kept for the next client. */
    LEAVING,
    /** A last message to the client is on its way; then its connection closes. */
    CLOSING,
    /** The client's connection closed and what the session held is released. */
    CLOSED;

    private Set<SessionPhase> next;

    static {
        STARTING.next = EnumSet.of(AUTHENTICATING, CLOSING, CLOSED);
        AUTHENTICATING.next = EnumSet.of(CONNECTING, CLOSING, CLOSED);
        CONNECTING.next = EnumSet.of(RELAYING, CLOSING, CLOSED);
        RELAYING.next = EnumSet.of(HELD, CHECKING, MOVING, LEAVING, CLOSING, CLOSED);
        HELD.next = EnumSet.of(RELAYING, CHECKING, MOVING, CLOSING, CLOSED);
        CHECKING.next = EnumSet.of(RELAYING, MOVING, CLOSING, CLOSED);
        MOVING.next = EnumSet.of(REPLAYING, RELAYING, CLOSING, CLOSED);
        REPLAYING.next = EnumSet.of(RELAYING, CLOSING, CLOSED);
        LEAVING.next = EnumSet.of(CLOSED);
        CLOSING.next = EnumSet.of(CLOSED);
        CLOSED.next = EnumSet.noneOf(SessionPhase.class);
    }

    /** Whether a session in this phase may go to {@code phase}. */
    public boolean leadsTo(SessionPhase phase) {
        return next.contains(phase);
    }

    /** The phases this one leads to. */
    public Set<SessionPhase> next() {
        return next.isEmpty() ? EnumSet.noneOf(SessionPhase.class) : EnumSet.copyOf(next);
    }

    /**
     * The phase diagram as Mermaid ({@code stateDiagram-v2}), drawn from the transitions themselves. The
     * arrows every phase has to CLOSING (an error on its way) and to CLOSED (the connection closed) are
     * left to one note, so that the diagram shows the session's course.
     */
    public static String mermaid() {
        StringBuilder out = new StringBuilder("stateDiagram-v2\n    [*] --> ").append(STARTING).append('\n');
        for (SessionPhase from : values()) {
            for (SessionPhase to : values()) {
                boolean anyToEnd = (to == CLOSING || to == CLOSED) && from != CLOSING && from != LEAVING;
                if (from.leadsTo(to) && !anyToEnd) {
                    out.append("    ").append(from).append(" --> ").append(to).append('\n');
                }
            }
        }
        out.append("    ").append(CLOSED).append(" --> [*]\n");
        out.append("    note right of ").append(CLOSED)
                .append(" : every phase may go to CLOSING (an error to send) or CLOSED (the connection closed)\n");
        return out.toString();
    }

    /** The session is ending or over: nothing new may start (no move, no hold, no relay of new commands). */
    public boolean ending() {
        return this == LEAVING || this == CLOSING || this == CLOSED;
    }

    /** The session has no backend to relay to right now: it is being checked, moved or replayed. */
    public boolean detached() {
        return this == CHECKING || this == MOVING || this == REPLAYING;
    }
}
