package io.auriga.core.session;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a session's {@link SessionPhase} changes. It lives on the session's event loop, as
 * the session does, so it needs no locks. Every change is logged once at debug with the session's
 * description; a change the phase diagram does not allow is a defect in the session and fails
 * loudly ({@link IllegalStateException}) rather than leaving the session in a phase nobody planned.
 */
public final class SessionLife {
    private static final Logger log = LoggerFactory.getLogger(SessionLife.class);

    private final Supplier<String> describe;
    private final Ticker ticker;
    private SessionPhase phase = SessionPhase.STARTING;
    private long since;

    /**
     * @param describe the session's description for log lines (its id, client and endpoint)
     * @param ticker   the session's clock, for how long it has been in its phase
     */
    public SessionLife(Supplier<String> describe, Ticker ticker) {
        this.describe = describe;
        this.ticker = ticker;
        this.since = ticker.nanos();
    }

    public SessionPhase phase() {
        return phase;
    }

    /** Whether the session is in one of {@code phases}. */
    public boolean is(SessionPhase... phases) {
        for (SessionPhase p : phases) {
            if (phase == p) {
                return true;
            }
        }
        return false;
    }

    /** {@link SessionPhase#ending()} of the current phase. */
    public boolean ending() {
        return phase.ending();
    }

    /** {@link SessionPhase#detached()} of the current phase. */
    public boolean detached() {
        return phase.detached();
    }

    /** Milliseconds since the current phase began. */
    public long millisInPhase() {
        return (ticker.nanos() - since) / 1_000_000;
    }

    /**
     * Moves the session to {@code next}; staying in the current phase is allowed and changes nothing.
     *
     * @throws IllegalStateException when the phase diagram has no arrow from the current phase to {@code next}
     */
    public void to(SessionPhase next) {
        if (next == phase) {
            return;
        }
        if (!phase.leadsTo(next)) {
            IllegalStateException e = new IllegalStateException(describe.get() + ": no transition from " + phase
                    + " to " + next);
            log.error("{}", e.getMessage(), e);
            throw e;
        }
        log.debug("{}: {} -> {} after {} ms", describe.get(), phase, next, millisInPhase());
        phase = next;
        since = ticker.nanos();
    }

    /** Ends the session's life whatever its phase: its channel closed. */
    public void closed() {
        to(SessionPhase.CLOSED);
    }

    /**
     * Moves to CLOSING unless the session is already ending.
     *
     * @return whether it did: false means an earlier end already said what there was to say
     */
    public boolean close() {
        if (phase.ending()) {
            return false;
        }
        to(SessionPhase.CLOSING);
        return true;
    }
}
