package io.auriga.core.topology;

import io.auriga.config.FailoverConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One writer session's part in a switchover ({@link WriterGate}), the same for every protocol:
 * whether it still owes the gate a transaction boundary, and the client bytes it keeps back,
 * unread, while the gate is held and it stands between transactions. What "between transactions"
 * means, and what to do with the kept bytes when the gate opens (relay them, or carry them to the
 * new primary), is the protocol's; this class only keeps the account.
 *
 * <pre>
 *   gate held    ─ requested(between)   the session owes a boundary; paid at once when it stands at one
 *   each answer  ─ relayed(between)     paid once the response that ends the transaction has gone out
 *   client bytes ─ park(chunk, between) kept back, in order, once between transactions (bounded)
 *   gate opens   ─ takeParked()         the protocol relays them or takes them along to the new primary
 *   close        ─ close()              kept bytes released; the gate no longer waits for the session
 * </pre>
 * The wait is bounded twice: every step of the switchover has its deadline and the gate is always
 * opened at its end; and, should it stay held past {@link #limit}, the session stops keeping bytes
 * back and {@code onOverdue} sends on what it kept (to the old primary, which answers a write with
 * its read-only error) instead of leaving the client waiting without end.
 * Confined to the session's event loop, like the session.
 */
public final class WriterHold {
    private final WriterGate gate;
    private final Object session;
    private final Channel client;
    private final int maxBytes;
    private final Duration limit;
    private final Runnable onOverdue;
    private final List<ByteBuf> parked = new ArrayList<>();
    private int parkedBytes;
    private boolean awaitingBoundary;
    /** The gate stayed held past the limit: bytes are no longer kept back until it opens. */
    private boolean overdue;
    private ScheduledFuture<?> timer;

    /**
     * @param session   the session as the gate knows it ({@link WriterGate#expect})
     * @param client    the client channel, which stops being read once {@code maxBytes} are kept back;
     *                  its event loop runs the timer
     * @param limit     how long bytes may be kept back ({@link #limit(FailoverConfig)})
     * @param onOverdue run on the event loop when bytes were kept back for {@code limit}: the session
     *                  sends on what it kept ({@link #takeParked}) as if the gate had opened
     */
    public WriterHold(WriterGate gate, Object session, Channel client, int maxBytes, Duration limit,
                      Runnable onOverdue) {
        this.gate = gate;
        this.session = session;
        this.client = client;
        this.maxBytes = maxBytes;
        this.limit = limit;
        this.onOverdue = onOverdue;
    }

    /**
     * More than the longest a switchover can hold writes with every step running to its deadline:
     * the drain, then catch-up, promotion and publication, each bounded by the failover timeout, and
     * the short steps (the end of the drain, read-only, the quorum setting) bounded by three probe
     * timeouts each, plus a margin.
     */
    public static Duration limit(FailoverConfig failover) {
        Duration shortStep = failover.probeTimeout().multipliedBy(3);
        if (shortStep.compareTo(Duration.ofSeconds(2)) < 0) {
            shortStep = Duration.ofSeconds(2);
        }
        return failover.switchoverDrain().plus(failover.failoverTimeout().multipliedBy(4))
                .plus(shortStep.multipliedBy(3)).plusSeconds(5);
    }

    /** True while a switchover holds new transactions. */
    public boolean gateHeld() {
        return gate.held();
    }

    /** The gate closed: the session owes it a boundary, paid now when it stands at one. */
    public void requested(boolean betweenTransactions) {
        awaitingBoundary = true;
        if (betweenTransactions) {
            arrived();
        }
    }

    /** After a chunk of a response was relayed: pays the boundary when the session now stands at one. */
    public void relayed(boolean betweenTransactions) {
        if (awaitingBoundary && betweenTransactions) {
            arrived();
        }
    }

    /** True while the session owes the gate a boundary. */
    public boolean awaitingBoundary() {
        return awaitingBoundary;
    }

    /** The session stands between transactions, gave its transaction up, or will never open another. */
    public void arrived() {
        awaitingBoundary = false;
        gate.arrived(session);
    }

    /** The gate opened: nothing is owed any more. */
    public void gateReleased() {
        awaitingBoundary = false;
        overdue = false;
        cancelTimer();
    }

    /**
     * Keeps {@code chunk} back, unread, when the gate is held and the session stands between
     * transactions, or when earlier bytes are kept already (they must stay in order).
     *
     * @param eligible whether the session stands between transactions on a backend it may leave
     * @return true when the chunk was kept (this class now owns it)
     */
    public boolean park(ByteBuf chunk, boolean eligible) {
        if (parked.isEmpty() && (!gate.held() || !eligible || overdue)) {
            return false;
        }
        if (parked.isEmpty()) {
            timer = client.eventLoop().schedule(this::overdue, limit.toMillis(), TimeUnit.MILLISECONDS);
        }
        parked.add(chunk);
        parkedBytes += chunk.readableBytes();
        if (parkedBytes > maxBytes) {
            client.config().setAutoRead(false);
        }
        return true;
    }

    public boolean hasParked() {
        return !parked.isEmpty();
    }

    public int parkedCount() {
        return parked.size();
    }

    /** The kept bytes, in order, handed to the caller (who reads client input again afterwards). */
    public List<ByteBuf> takeParked() {
        List<ByteBuf> chunks = new ArrayList<>(parked);
        parked.clear();
        parkedBytes = 0;
        cancelTimer();
        return chunks;
    }

    private void overdue() {
        timer = null;
        if (parked.isEmpty() || !gate.held()) {
            return;
        }
        overdue = true;
        onOverdue.run();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The session closed: kept bytes are released and the gate stops waiting for it. */
    public void close() {
        parked.forEach(ByteBuf::release);
        parked.clear();
        parkedBytes = 0;
        awaitingBoundary = false;
        cancelTimer();
        gate.arrived(session);
    }
}
