package io.auriga.pg.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Follows message boundaries in a relayed byte stream by reading only headers, never copying
 * or buffering bodies: a chunk goes on to the peer exactly as it came. It remembers the
 * transaction status of the last ReadyForQuery and whether the stream stands at a boundary, which
 * is all a relay needs to know where a session stands (habit "frame, don't parse"). A
 * {@link Watcher} may ask to see the bodies of a few message types.
 */
public final class PgMessageScanner {
    /** Transaction status of ReadyForQuery: idle, in a transaction, in a failed transaction. */
    public static final byte IDLE = 'I';

    /**
     * Sees the whole body of the messages it asks for. Bodies are handed over as they lie in the
     * chunk when they fit in it, copied only when they span chunks, and never beyond the limit.
     */
    public interface Watcher {
        boolean wants(byte tag);

        /** A complete body (reader index at its start); valid only during the call. */
        void message(byte tag, ByteBuf body);

        /** A wanted body longer than the limit: it passes unseen. */
        void tooLarge(byte tag, int length);

        /** Shows each watcher the messages it asks for, {@code first} first. */
        static Watcher both(Watcher first, Watcher second) {
            return new Watcher() {
                @Override
                public boolean wants(byte tag) {
                    return first.wants(tag) || second.wants(tag);
                }

                @Override
                public void message(byte tag, ByteBuf body) {
                    if (first.wants(tag)) {
                        first.message(tag, body.duplicate());
                    }
                    if (second.wants(tag)) {
                        second.message(tag, body.duplicate());
                    }
                }

                @Override
                public void tooLarge(byte tag, int length) {
                    if (first.wants(tag)) {
                        first.tooLarge(tag, length);
                    }
                    if (second.wants(tag)) {
                        second.tooLarge(tag, length);
                    }
                }
            };
        }
    }

    private final byte[] header = new byte[5];
    private final Watcher watcher;
    private final int watchLimit;
    private int headerFilled;
    private long bodyRemaining;
    private boolean wantStatus;
    private boolean watchBody;
    private byte[] watched;
    private int watchedFilled;
    private byte lastStatus = IDLE;
    private byte lastTag;
    private byte previousTag;
    private int lastStart = -1;
    private long messages;
    private long requests;
    private long readies;
    private boolean corrupt;

    public PgMessageScanner() {
        this(null, 0);
    }

    public PgMessageScanner(Watcher watcher, int watchLimit) {
        this.watcher = watcher;
        this.watchLimit = watchLimit;
    }

    /** Scans a chunk without moving its reader index. */
    public void scan(ByteBuf chunk) {
        lastStart = -1;
        int i = chunk.readerIndex();
        int end = chunk.writerIndex();
        while (i < end && !corrupt) {
            if (bodyRemaining > 0) {
                i = body(chunk, i, end);
                continue;
            }
            if (headerFilled == 0 && end - i >= 5) {
                lastStart = i;
                startMessage(chunk.getByte(i), chunk.getInt(i + 1));
                i += 5;
                if (watchBody && end - i >= bodyRemaining) {
                    // The common case: the whole body is in this chunk, so it is seen in place.
                    watchBody = false;
                    watcher.message(lastTag, chunk.slice(i, (int) bodyRemaining));
                }
                continue;
            }
            if (headerFilled == 0) {
                lastStart = i;
            }
            header[headerFilled++] = chunk.getByte(i++);
            if (headerFilled == 5) {
                headerFilled = 0;
                startMessage(header[0], ((header[1] & 0xFF) << 24) | ((header[2] & 0xFF) << 16)
                        | ((header[3] & 0xFF) << 8) | (header[4] & 0xFF));
            }
        }
    }

    /** Skips (or, when watched, copies) body bytes; returns the new index. */
    private int body(ByteBuf chunk, int i, int end) {
        if (wantStatus) {
            lastStatus = chunk.getByte(i);
            wantStatus = false;
        }
        int n = (int) Math.min(bodyRemaining, end - i);
        if (watchBody) {
            if (watched == null) {
                watched = new byte[(int) bodyRemaining];
                watchedFilled = 0;
            }
            chunk.getBytes(i, watched, watchedFilled, n);
            watchedFilled += n;
        }
        bodyRemaining -= n;
        if (bodyRemaining == 0 && watchBody) {
            byte[] body = watched;
            watched = null;
            watchBody = false;
            watcher.message(lastTag, Unpooled.wrappedBuffer(body));
        }
        return i + n;
    }

    private void startMessage(byte tag, int length) {
        if (length < 4) {
            corrupt = true;
            return;
        }
        previousTag = lastTag;
        lastTag = tag;
        messages++;
        if (tag == 'Z') {
            readies++;
        } else if (tag == 'Q' || tag == 'S' || tag == 'F') {
            // Read in a client's stream: each Query, Sync and FunctionCall earns exactly one ReadyForQuery.
            requests++;
        }
        bodyRemaining = length - 4L;
        wantStatus = tag == 'Z' && bodyRemaining > 0;
        watchBody = false;
        if (watcher != null && watcher.wants(tag)) {
            if (bodyRemaining > watchLimit) {
                watcher.tooLarge(tag, length);
            } else if (bodyRemaining == 0) {
                watcher.message(tag, Unpooled.EMPTY_BUFFER);
            } else {
                watchBody = true;
            }
        }
    }

    /**
     * The stream continues on a fresh backend that stands idle (its own ReadyForQuery was not
     * relayed): the status is idle from now on.
     */
    public void assumeIdle() {
        lastStatus = IDLE;
    }

    /** The status byte of the last ReadyForQuery seen ({@code I}, {@code T} or {@code E}). */
    public byte lastStatus() {
        return lastStatus;
    }

    /** True when the bytes seen so far end exactly at the end of a message. */
    public boolean atBoundary() {
        return headerFilled == 0 && bodyRemaining == 0 && !corrupt;
    }

    /** True when the last complete message was a ReadyForQuery: the peer waits for the next command. */
    public boolean readyForQuery() {
        return atBoundary() && lastTag == 'Z';
    }

    public byte lastTag() {
        return lastTag;
    }

    /** The tag of the message before the last one. */
    public byte previousTag() {
        return previousTag;
    }

    /** Where the last message began in the chunk just scanned, or -1 when it began in an earlier chunk. */
    public int lastMessageStart() {
        return lastStart;
    }

    public long messages() {
        return messages;
    }

    /** ReadyForQuery messages seen (meaningful in a backend's stream). */
    public long readies() {
        return readies;
    }

    /** Query, Sync and FunctionCall messages seen (meaningful in a client's stream). */
    public long requests() {
        return requests;
    }

    /** True once a header carried an impossible length; boundaries are unknown from then on. */
    public boolean corrupt() {
        return corrupt;
    }
}
