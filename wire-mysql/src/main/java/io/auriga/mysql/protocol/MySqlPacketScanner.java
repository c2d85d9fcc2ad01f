package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Follows MySQL packet framing across the chunks of a relayed byte stream without copying it:
 * for each message (a packet, or a run of packets continued because each was exactly
 * {@value MySqlPacketDecoder#MAX_PACKET_PAYLOAD} bytes long) it reports the sequence id, the length
 * of its first packet and its first {@value #HEAD} payload bytes — enough to tell OK, ERR, EOF,
 * a column count or a command apart and to read status flags. Bodies are skipped.
 *
 * <pre>
 *   state HEADER: collect 4 header bytes (they may span chunks)
 *   state PAYLOAD: skip the payload, keeping a copy of its first bytes when it starts a message
 * </pre>
 */
public final class MySqlPacketScanner {
    /** Payload bytes reported per message: an OK packet's status flags sit within its first 21. */
    public static final int HEAD = 64;

    /** Receives each message as soon as its first bytes are known. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param sequenceId the sequence id of its first packet
         * @param length     the payload length of its first packet ({@code 0xFFFFFF}: the message continues)
         * @param head       its first {@code min(length, HEAD)} payload bytes; valid during the call only
         * @param start      where its packet header starts in the chunk being scanned, or -1 when the
         *                   header arrived in an earlier chunk
         */
        void message(int sequenceId, int length, ByteBuf head, int start);
    }

    private enum State { HEADER, PAYLOAD }

    private final byte[] header = new byte[4];
    private final ByteBuf head = Unpooled.buffer(HEAD, HEAD);
    private State state = State.HEADER;
    private int headerFill;
    private int headerStart;
    private int remaining;
    private int length;
    private int sequenceId;
    private boolean continues;
    private int headWanted;

    /** Scans the readable bytes of {@code chunk} (its indices are left alone). */
    public void scan(ByteBuf chunk, Listener listener) {
        int i = chunk.readerIndex();
        int end = chunk.writerIndex();
        while (i < end) {
            if (state == State.HEADER) {
                if (headerFill == 0) {
                    headerStart = i;
                }
                int n = Math.min(4 - headerFill, end - i);
                chunk.getBytes(i, header, headerFill, n);
                headerFill += n;
                i += n;
                if (headerFill == 4) {
                    startPacket(listener);
                }
            } else {
                int n = Math.min(remaining, end - i);
                if (headWanted > head.readableBytes()) {
                    int take = Math.min(n, headWanted - head.readableBytes());
                    head.writeBytes(chunk, i, take);
                    if (head.readableBytes() == headWanted) {
                        listener.message(sequenceId, length, head, headerStart);
                    }
                }
                i += n;
                remaining -= n;
                if (remaining == 0) {
                    state = State.HEADER;
                }
            }
            // A header that began in an earlier chunk has no position in this one.
            if (state == State.HEADER && headerFill == 0) {
                headerStart = -1;
            }
        }
        headerStart = -1;
    }

    private void startPacket(Listener listener) {
        headerFill = 0;
        length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
        int seq = header[3] & 0xFF;
        boolean startsMessage = !continues;
        continues = length == MySqlPacketDecoder.MAX_PACKET_PAYLOAD;
        remaining = length;
        state = length == 0 ? State.HEADER : State.PAYLOAD;
        if (!startsMessage) {
            headWanted = 0;
            head.clear();
            return;
        }
        sequenceId = seq;
        head.clear();
        headWanted = Math.min(length, HEAD);
        if (headWanted == 0) {
            listener.message(sequenceId, length, head, headerStart);
        }
    }

    /** True when the stream stands between packets. */
    public boolean atBoundary() {
        return state == State.HEADER && headerFill == 0 && !continues;
    }
}
