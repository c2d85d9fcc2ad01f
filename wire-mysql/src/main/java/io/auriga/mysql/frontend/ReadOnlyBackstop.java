package io.auriga.mysql.frontend;

import io.auriga.mysql.backend.ReadOnlyTracking;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.SessionStateInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The server-side guard of a reader session, behind the lexical one ({@link ReadWriteStatement}):
 * the backend reports every change of the session's read-only flag in its OK packets (see
 * {@link ReadOnlyTracking}), and the relay reads them.
 * <pre>
 *   backend → OK, SESSION_STATE_CHANGED, state: tx_read_only=ON / ISOLATION …   → relayed
 *   backend → OK, SESSION_STATE_CHANGED, state: tx_read_only=OFF
 *             | SET TRANSACTION READ WRITE; | tracking switched off           → the OK is dropped,
 *             client ← what came before it · ERR 1792 25006 (session ended); backend killed, closed
 * </pre>
 * It catches what the lexical check cannot see: {@code PREPARE s FROM @text} then {@code EXECUTE s},
 * {@code EXECUTE IMMEDIATE}, a {@code CALL} of a procedure that lifts the flag, a statement longer
 * than the part that check reads. Only OK packets whose status flags announce session state are
 * decoded, on reader sessions only; the backend link asks for session state even when the client did
 * not, and such a client gets its OK packets as the server would have written them for it.
 *
 * <p>What it cannot prevent: the report comes with the OK that ends a statement, so one {@code CALL}
 * or {@code EXECUTE} that both lifts the flag and writes has written by then, and a command the client
 * pipelined behind the lifting one may already run before the session is killed. A change of
 * {@code session_track_system_variables} that drops that variable itself is not reported by the
 * server: a query that changes it is sent on with the backstop's variables kept in the list
 * ({@link TrackingSettings}) and its answer must report the new list, or the session ends; a change
 * run through dynamic SQL, a procedure or a query longer than the lexical check reads, though,
 * switches the guard off unseen, and what lifts the flag after it goes unseen too.
 */
final class ReadOnlyBackstop {
    /** Where a lifting was seen: the OK packet that reported it starts at {@code start} in the chunk. */
    record Breach(String what, int sequenceId, int start) {
    }

    private record Rewrite(int start, int length, int sequenceId) {
    }

    private final boolean clientTracks;
    private final List<Rewrite> rewrites = new ArrayList<>();
    /** Per command awaiting its answer, in order: the tracking setting it changes, which the answer must report, or "". */
    private final Deque<String> awaiting = new ArrayDeque<>();
    /** The tracking settings the answer being read has reported so far. */
    private final Set<String> reported = new HashSet<>();
    private Breach breach;

    /** @param clientCapabilities what the client negotiated with the proxy */
    ReadOnlyBackstop(long clientCapabilities) {
        this.clientTracks = Capabilities.has(clientCapabilities, Capabilities.CLIENT_SESSION_TRACK);
    }

    /**
     * The client sent a command that the server answers.
     *
     * @param changesTracking the tracking setting a query changes ({@link ReadWriteStatement#changesTracking}),
     *                        or null
     */
    void commandSent(String changesTracking) {
        awaiting.addLast(changesTracking == null ? "" : changesTracking);
    }

    /**
     * The answer to a command ended with the packet of {@code header} starting at {@code start} in the
     * chunk: a query that changed a tracking setting must have had the change reported, or the server
     * may no longer report a lifted flag (a list without {@code session_track_system_variables} is not).
     */
    void answered(int header, int sequenceId, int start) {
        String expected = awaiting.pollFirst();
        if (expected != null && !expected.isEmpty() && !reported.contains(expected) && header != ErrPacket.HEADER
                && breach == null) {
            breach = new Breach(expected + " was changed and the server did not report its new value", sequenceId,
                    start);
        }
        reported.clear();
    }

    /**
     * An OK packet announcing session state, of {@code length} payload bytes, whose header starts at
     * {@code start} in {@code chunk} (-1: in an earlier chunk).
     */
    void ok(ByteBuf chunk, int sequenceId, int length, int start) {
        if (breach != null) {
            return;
        }
        if (start < 0 || start + 4 + length > chunk.writerIndex()) {
            breach = new Breach("an OK packet with session state of " + length + " bytes arrived in pieces, "
                    + "so it could not be checked", sequenceId, start);
            return;
        }
        ByteBuf payload = chunk.slice(start + 4, length);
        String what;
        try {
            SessionStateInfo changes = SessionStateInfo.decode(payload);
            changes.variables().forEach(v -> reported.add(v.name().toLowerCase(Locale.ROOT)));
            what = ReadOnlyTracking.breach(changes);
        } catch (CorruptedFrameException e) {
            what = "the session state of an OK packet could not be read: " + e.getMessage();
        }
        if (what != null) {
            breach = new Breach(what, sequenceId, start);
        } else if (!clientTracks) {
            rewrites.add(new Rewrite(start, length, sequenceId));
        }
    }

    /** Whether the chunk just scanned needs {@link #apply}. */
    boolean pending() {
        return breach != null || !rewrites.isEmpty();
    }

    /** What the chunk just scanned revealed, or null. */
    Breach breach() {
        return breach;
    }

    /**
     * The chunk as the client may see it: its OK packets without session state when the client did not
     * ask for it, and, after a breach, only what came before the OK that reported it. Consumes {@code chunk}.
     */
    ByteBuf apply(ByteBuf chunk, ByteBufAllocator alloc) {
        int at = chunk.readerIndex();
        int end = breach == null ? chunk.writerIndex() : Math.min(Math.max(breach.start(), at), chunk.writerIndex());
        CompositeByteBuf out = alloc.compositeBuffer();
        for (Rewrite r : rewrites) {
            if (r.start() < at || r.start() + 4 + r.length() > end) {
                continue; // cut from the chunk already (a refused LOCAL INFILE request), or after a breach
            }
            out.addComponent(true, chunk.retainedSlice(at, r.start() - at));
            ByteBuf packet = alloc.buffer(4 + r.length());
            packet.writeMediumLE(0).writeByte(r.sequenceId());
            SessionStateInfo.writeUntracked(chunk.slice(r.start() + 4, r.length()), packet);
            packet.setMediumLE(0, packet.writerIndex() - 4);
            out.addComponent(true, packet);
            at = r.start() + 4 + r.length();
        }
        out.addComponent(true, chunk.retainedSlice(at, end - at));
        chunk.release();
        rewrites.clear();
        return out;
    }
}
