package io.auriga.mysql.frontend;

import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.MySqlErrors;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.ResponseTracker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.function.Consumer;

/**
 * Where a cluster refuses LOAD DATA LOCAL INFILE the backend session has no CLIENT_LOCAL_FILES, and a
 * conforming server answers such a statement with its own error. This ends the transfer should a
 * server ask for a file anyway, without a byte of the client's files being read:
 * <pre>
 *   backend → 0xFB file name                 (seq s)    cut out of the relayed bytes: the client never sees it
 *   proxy   → empty packet to the backend     (seq s+1)  "no more data": the transfer ends
 *   backend → OK | ERR [more results …]      (seq s+2…) cut out, up to the end of the command's answer
 *   proxy   → ERR 1148 42000 to the client    (seq s)    in their place
 * </pre>
 * Fed every backend message once the {@link ResponseTracker} has seen it ({@link #message}), then asked
 * to cut the chunk ({@link #trim}). A request is known by its first bytes, so one whose beginning came
 * in an earlier read has partly reached the client already: then {@link #trim} says the session must
 * end (closed without another byte, since any byte would complete the request for the client). Lives
 * on the session's event loop.
 */
final class LocalInfileRefusal {
    private final ResponseTracker tracker;
    private final ErrPacket error;
    private final ByteBufAllocator alloc;
    private final Consumer<ByteBuf> toBackend;
    private final Consumer<ByteBuf> toClient;
    /** While the server's answer is cut out: the response count at which it has ended, else -1. */
    private long endsAt = -1;
    private int errSequence;
    /** In the chunk being scanned: cut from here to its end (the request), or up to here (the answer). */
    private int cutFrom = -1;
    private int cutTo = -1;
    /** Where the request ends in the chunk being scanned; then the bytes of a cut packet still to come. */
    private long carry;
    private boolean uncuttable;

    LocalInfileRefusal(ResponseTracker tracker, ErrPacket error, ByteBufAllocator alloc, Consumer<ByteBuf> toBackend,
                       Consumer<ByteBuf> toClient) {
        this.tracker = tracker;
        this.error = error;
        this.alloc = alloc;
        this.toBackend = toBackend;
        this.toClient = toClient;
    }

    /**
     * A backend message the tracker has just seen.
     *
     * @param start where its header starts in the chunk being scanned, -1 when in an earlier chunk
     */
    void message(int sequenceId, int length, int start) {
        if (endsAt >= 0) {
            if (tracker.responses() >= endsAt && cutTo < 0) {
                if (start < 0) {
                    uncuttable = true;
                    return;
                }
                cutTo = start + 4 + length;
            }
            return;
        }
        if (!tracker.awaitsInfileData()) {
            return;
        }
        errSequence = sequenceId;
        endsAt = tracker.responses() + 1;
        toBackend.accept(MySqlPackets.frame(alloc, (sequenceId + 1) & 0xFF, Unpooled.EMPTY_BUFFER));
        tracker.clientMessage((sequenceId + 1) & 0xFF, 0, Unpooled.EMPTY_BUFFER);
        if (start < 0) {
            uncuttable = true;
            return;
        }
        cutFrom = start;
        carry = start + 4L + length;
    }

    /**
     * Cuts what the client must not see out of {@code chunk} (whose messages were all reported), and
     * sends the client its ERR once the server's answer is over.
     *
     * @return false when a packet to cut began in an earlier, already relayed chunk: the session must end
     *         (the chunk is then emptied)
     */
    boolean trim(ByteBuf chunk) {
        int begin = chunk.readerIndex();
        int end = chunk.writerIndex();
        if (uncuttable) {
            chunk.readerIndex(end);
            return false;
        }
        if (cutFrom >= 0) {
            // The request: relay what came before it; its rest may follow in the next chunks.
            carry = Math.max(0, carry - end);
            chunk.writerIndex(cutFrom);
            cutFrom = -1;
            return true;
        }
        if (carry > 0) {
            int skip = (int) Math.min(carry, end - begin);
            carry -= skip;
            begin += skip;
        }
        if (endsAt < 0) {
            chunk.readerIndex(begin);
            return true;
        }
        if (cutTo < 0) {
            chunk.readerIndex(end); // the answer goes on past this chunk
            return true;
        }
        carry = Math.max(0, (long) cutTo - end);
        chunk.readerIndex(Math.min(cutTo, end));
        cutTo = -1;
        endsAt = -1;
        toClient.accept(MySqlErrors.frame(alloc, errSequence, error));
        return true;
    }
}
