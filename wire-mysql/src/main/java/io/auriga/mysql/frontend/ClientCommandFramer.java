package io.auriga.mysql.frontend;

import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Frames the client → backend stream of a relayed session without copying it: packet headers are
 * read, payloads are passed on as slices of the chunks they came in. Each message that starts a
 * command is shown to a {@link Sink} — whole when it is at most {@value #SMALL} bytes (held back
 * until complete, so the proxy can take it out of the stream: {@code KILL}), otherwise its first
 * bytes. The few bytes of an incomplete header or small command are carried to the next chunk.
 */
final class ClientCommandFramer {
    /** Commands up to this size are seen whole before being forwarded. */
    static final int SMALL = 256;

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

    private int remaining;
    private boolean continues;
    private ByteBuf carry;

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
                if (starts && length <= SMALL) {
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
                if (starts && in.readableBytes() < 5) {
                    break;
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

    /** Releases what is carried. */
    void release() {
        if (carry != null) {
            carry.release();
            carry = null;
        }
    }
}
