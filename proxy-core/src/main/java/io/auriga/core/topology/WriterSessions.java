package io.auriga.core.topology;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live sessions of one writer endpoint, whatever their protocol, and what they must hear from
 * the cluster: a new primary (a new epoch) and a switchover holding new transactions
 * ({@link WriterGate}). Each front end keeps one per writer endpoint; sessions add themselves to
 * {@link #live()} once they relay and leave it when they close. The sessions act on their own
 * event loops; this class only tells them.
 *
 * @param <S> the protocol's session
 */
public final class WriterSessions<S extends WriterSessions.Session> implements WriterGate.Member {

    /** What a writer session does when the cluster's primary moves; each call may come from any thread. */
    public interface Session {
        /** The cluster has a new primary ({@code null}: none): a session on another instance must not write there. */
        void primaryChanged(String primary, long epoch);

        /** A switchover holds new transactions: tell the gate ({@link WriterHold}) once between transactions. */
        void holdRequested();

        /** The drain deadline passed with this session still inside a transaction: it gives it up. */
        void drainExpired(String why);

        /** The switchover ended: commands kept back go on, on whichever instance is the primary now. */
        void writesReleased();
    }

    private final Set<S> sessions = ConcurrentHashMap.newKeySet();

    /** Sessions of an endpoint that follows the primary: joins the cluster's topology and writer gate. */
    public static <S extends Session> WriterSessions<S> following(TopologyHolder topology) {
        WriterSessions<S> sessions = new WriterSessions<>();
        topology.addListener(sessions::topologyChanged);
        topology.writerGate().join(sessions);
        return sessions;
    }

    /** Sessions of an endpoint that does not follow the primary: kept, never told anything. */
    public static <S extends Session> WriterSessions<S> detached() {
        return new WriterSessions<>();
    }

    private WriterSessions() {
    }

    /** The set sessions add themselves to while they relay. Thread-safe. */
    public Set<S> live() {
        return sessions;
    }

    /** A new epoch means a new primary: sessions still on another instance must not write there. */
    private void topologyChanged(TopologyChange change) {
        if (change.before() != null && change.after().epoch() == change.before().epoch()) {
            return;
        }
        String primary = change.after().primary().map(InstanceState::name).orElse(null);
        for (S session : sessions) {
            session.primaryChanged(primary, change.after().epoch());
        }
    }

    @Override
    public void held(WriterGate gate) {
        for (S session : sessions) {
            gate.expect(session);
            session.holdRequested();
        }
    }

    @Override
    public void drainExpired(WriterGate gate, String why) {
        for (S session : sessions) {
            if (gate.isPending(session)) {
                session.drainExpired(why);
            }
        }
    }

    @Override
    public void released() {
        sessions.forEach(Session::writesReleased);
    }
}
