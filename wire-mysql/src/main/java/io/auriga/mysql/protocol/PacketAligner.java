package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts a MySQL byte stream at packet boundaries, so that every packet up to {@value #WHOLE_UP_TO}
 * payload bytes reaches the next handler inside one chunk, header and all; larger packets go on in
 * pieces as they arrive. Packets are not decoded or copied apart: each chunk is a slice of the
 * complete packets read so far, and only the unfinished tail waits for the next read.
 * <pre>
 *   read  [p1 p2 p3-part]      → chunk [p1 p2]          (p3's part kept)
 *   read  [p3-rest p4]         → chunk [p3 p4]
 *   read  [p5-header big-part] → chunk [p5-header big-part] (p5 over the limit: passed as it comes)
 * </pre>
 * A reader session's relay needs its backend's OK packets whole to read their session state.
 */
public final class PacketAligner extends ByteToMessageDecoder {
    /** Packets up to this many payload bytes arrive whole. */
    public static final int WHOLE_UP_TO = 1 << 16;

    /** Bytes of a large packet still to pass through as they come. */
    private long passing;

    public PacketAligner() {
        // The unfinished tail is joined to the next read without copying either.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (passing > 0) {
            int n = (int) Math.min(passing, in.readableBytes());
            passing -= n;
            out.add(in.readRetainedSlice(n));
            return;
        }
        int end = in.readerIndex();
        while (in.writerIndex() - end >= 4) {
            int length = in.getUnsignedMediumLE(end);
            if (in.writerIndex() - end - 4 >= length) {
                end += 4 + length;
            } else if (end == in.readerIndex() && length > WHOLE_UP_TO) {
                passing = 4L + length;
                int n = in.readableBytes();
                passing -= n;
                out.add(in.readRetainedSlice(n));
                return;
            } else {
                break;
            }
        }
        if (end > in.readerIndex()) {
            out.add(in.readRetainedSlice(end - in.readerIndex()));
        }
    }
}
