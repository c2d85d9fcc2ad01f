package io.auriga.core.topology;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Holds a cluster's writer sessions at their next transaction boundary while a switchover moves
 * the primary. While the gate is held, a session that stands between transactions keeps the
 * client's next command (buffered, not failed); a session inside a transaction runs on until it
 * ends it. The switchover waits until no session is {@linkplain #pending() pending}, then moves the
 * primary and {@linkplain #release() releases} the gate.
 *
 * <pre>
 *   hold()  ─► every front end: expect(session) for each live session, then, on the session's own
 *              thread, arrived(session) once it stands between transactions (or closes)
 *   pending() == 0           every writer session is quiet: no open transaction, no command running
 *   expire(why)              the drain deadline passed: sessions still pending end their transaction
 *   release()                held commands go on, to the new primary or (rolled back) the old one
 * </pre>
 *
 * Thread-safe; the front ends ({@link Member}) do their part on their own threads.
 */
public final class WriterGate {

    /** A front end whose sessions follow the primary (for PostgreSQL, one per writer endpoint). */
    public interface Member {
        /** The gate is now held: {@link #expect} each live session now, {@link #arrived} it when quiet. */
        void held(WriterGate gate);

        /** The drain deadline passed: end the transaction of every session still {@link #expect expected}. */
        void drainExpired(WriterGate gate, String why);

        /** The gate is open again: let held commands through. */
        void released();
    }

    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final Set<Object> pending = ConcurrentHashMap.newKeySet();
    private final Clock clock;
    private volatile boolean held;

    public WriterGate(Clock clock) {
        this.clock = clock;
    }

    public void join(Member member) {
        members.add(member);
    }

    /** True while sessions must hold commands that would start a new transaction. */
    public boolean held() {
        return held;
    }

    /** Closes the gate and asks every member for its sessions. */
    public void hold() {
        pending.clear();
        held = true;
        members.forEach(m -> m.held(this));
    }

    /** A session that must reach a transaction boundary before the primary can move. */
    public void expect(Object session) {
        if (held) {
            pending.add(session);
        }
    }

    /** The session stands between transactions (or has closed). */
    public void arrived(Object session) {
        if (pending.remove(session) && pending.isEmpty()) {
            synchronized (pending) {
                pending.notifyAll();
            }
        }
    }

    /** True while {@code session} has not reached a boundary since the gate closed. */
    public boolean isPending(Object session) {
        return pending.contains(session);
    }

    /** Sessions that have not reached a transaction boundary yet. */
    public int pending() {
        return pending.size();
    }

    /**
     * Waits until no session is pending or {@code timeout} passes on the gate's clock, whichever is first.
     *
     * @return true when every session reached a boundary
     */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = clock.millis() + timeout.toMillis();
        synchronized (pending) {
            while (!pending.isEmpty()) {
                long left = deadline - clock.millis();
                if (left <= 0) {
                    return false;
                }
                // Woken by the last arrival; the bounded wait also notices a clock moved by hand.
                pending.wait(Math.min(left, 20));
            }
        }
        return true;
    }

    /** Tells the members that sessions still pending must give up their transaction. */
    public void expire(String why) {
        members.forEach(m -> m.drainExpired(this, why));
    }

    /** Opens the gate: held commands go on. */
    public void release() {
        held = false;
        pending.clear();
        members.forEach(Member::released);
    }
}
