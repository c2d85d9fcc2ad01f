package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a byte stream into MySQL messages ({@link MySqlPacket}).
 *
 * <pre>
 *   packet  = int&lt;3&gt; payload_length, int&lt;1&gt; sequence_id, payload
 *   message = packet(len = 0xFFFFFF)* packet(len &lt; 0xFFFFFF)      (MySQL "Sending More Than 16Mb")
 * </pre>
 *
 * A message whose total payload would exceed {@code maxMessageSize} is refused with a
 * {@link TooLongFrameException} as soon as a packet header shows it, before its bytes are buffered;
 * the decoder then discards everything that follows (the connection must be closed). Sequence ids
 * are not checked here: the phase handlers know which one they expect.
 */
public final class MySqlPacketDecoder extends ByteToMessageDecoder {

    /** The largest payload of one physical packet; a packet this full continues in the next one. */
    public static final int MAX_PACKET_PAYLOAD = 0xFFFFFF;
    private static final int HEADER = 4;

    private enum State { HEADER, FAILED }

    private final int maxMessageSize;
    private State state = State.HEADER;
    private CompositeByteBuf pending;

    /** @param maxMessageSize the largest logical message accepted, in payload bytes */
    public MySqlPacketDecoder(int maxMessageSize) {
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be positive, got " + maxMessageSize);
        }
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws TooLongFrameException {
        while (state == State.HEADER && in.readableBytes() >= HEADER) {
            int start = in.readerIndex();
            int length = in.getUnsignedMediumLE(start);
            int sequenceId = in.getUnsignedByte(start + 3);
            long total = (long) length + (pending == null ? 0 : pending.readableBytes());
            if (total > maxMessageSize) {
                fail(in);
                throw new TooLongFrameException("MySQL message of more than " + maxMessageSize
                        + " bytes refused (packet of " + length + " bytes"
                        + (pending == null ? "" : " after " + (total - length) + " bytes of the same message") + ")");
            }
            if (in.readableBytes() < HEADER + length) {
                return;
            }
            in.skipBytes(HEADER);
            ByteBuf part = in.readRetainedSlice(length);
            if (length == MAX_PACKET_PAYLOAD) {
                if (pending == null) {
                    pending = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
                }
                pending.addComponent(true, part);
                continue;
            }
            if (pending == null) {
                out.add(new MySqlPacket(sequenceId, part));
            } else {
                pending.addComponent(true, part);
                out.add(new MySqlPacket(sequenceId, pending));
                pending = null;
            }
            // One message per call: the handler it reaches may change the pipeline (TLS after an
            // SSLRequest) before the bytes behind it are looked at.
            return;
        }
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
        }
    }

    private void fail(ByteBuf in) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        releasePending();
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releasePending();
    }
}
