package io.auriga.mysql.frontend;

import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Frames the client → backend stream of a relayed session without copying it: packet headers are
 * read, payloads are passed on as slices of the chunks they came in. Each message that starts a
 * command is shown to a {@link Sink} — whole when it is at most {@value #SMALL} bytes, or up to
 * the limit the {@link WholeLimit} gives for its command byte (held back until complete, so the
 * proxy can take it out of the stream: {@code KILL}, or read all of it: a statement to prepare),
 * otherwise its first bytes, at least the command byte and the 4-byte statement id that follows it.
 * The sink may change those bytes in place before they are forwarded. The few bytes of an
 * incomplete header or held command are carried to the next chunk.
 */
final class ClientCommandFramer {
    /** Commands up to this size are seen whole before being forwarded. */
    static final int SMALL = 256;
    /** Payload bytes a large command shows at least: the command byte and a statement id. */
    static final int HEAD = 5;

    /** How large a command may be and still be held back until it is whole. */
    @FunctionalInterface
    interface WholeLimit {
        int wholeUpTo(int command);
    }

    /** Where framed bytes go. */
    interface Sink {
        /** Bytes to pass on to the backend, retained for the callee. */
        void forward(ByteBuf slice);

        /**
         * A message starting in the client stream.
         *
         * @param payload the whole payload when {@code length <= SMALL}, else its first bytes
         * @return true when the proxy consumed it and it must not be forwarded (only for whole payloads)
         */
        boolean message(int sequenceId, int length, ByteBuf payload);
    }

    private final WholeLimit whole;
    private int remaining;
    private boolean continues;
    private ByteBuf carry;

    ClientCommandFramer() {
        this(command -> SMALL);
    }

    ClientCommandFramer(WholeLimit whole) {
        this.whole = whole;
    }

    /** Frames {@code chunk} (released here). */
    void read(ByteBuf chunk, Sink sink) {
        ByteBuf in = carry == null ? chunk : Unpooled.wrappedBuffer(carry, chunk);
        carry = null;
        try {
            int run = in.readerIndex();
            while (in.isReadable()) {
                if (remaining > 0) {
                    int n = Math.min(remaining, in.readableBytes());
                    in.skipBytes(n);
                    remaining -= n;
                    continue;
                }
                if (in.readableBytes() < 4) {
                    break;
                }
                int at = in.readerIndex();
                int length = in.getUnsignedMediumLE(at);
                int sequenceId = in.getUnsignedByte(at + 3);
                boolean starts = !continues;
                if (starts && in.readableBytes() < 4 + Math.min(length, HEAD)) {
                    break;
                }
                int limit = starts && length > SMALL ? Math.max(SMALL, whole.wholeUpTo(in.getUnsignedByte(at + 4)))
                        : SMALL;
                if (starts && length <= limit && length < MySqlPacketDecoder.MAX_PACKET_PAYLOAD) {
                    if (in.readableBytes() < 4 + length) {
                        break;
                    }
                    continues = false;
                    boolean consumed = sink.message(sequenceId, length, in.slice(at + 4, length));
                    if (consumed) {
                        if (at > run) {
                            sink.forward(in.retainedSlice(run, at - run));
                        }
                        run = at + 4 + length;
                    }
                    in.skipBytes(4 + length);
                    continue;
                }
                continues = length == MySqlPacketDecoder.MAX_PACKET_PAYLOAD;
                if (starts) {
                    sink.message(sequenceId, length, in.slice(at + 4, Math.min(in.readableBytes() - 4, SMALL)));
                }
                in.skipBytes(4);
                remaining = length;
            }
            if (in.readerIndex() > run) {
                sink.forward(in.retainedSlice(run, in.readerIndex() - run));
            }
            if (in.isReadable()) {
                carry = Unpooled.copiedBuffer(in);
            }
        } finally {
            in.release();
        }
    }

    /** True when no command has been partly passed on: the stream stands between messages. */
    boolean atBoundary() {
        return remaining == 0 && !continues;
    }

    /** Releases what is carried. */
    void release() {
        if (carry != null) {
            carry.release();
            carry = null;
        }
    }
}
