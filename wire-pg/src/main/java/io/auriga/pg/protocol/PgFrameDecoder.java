package io.auriga.pg.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits tagged messages into {@link PgFrame}s. Used only while the proxy takes part in the
 * conversation; the relay replaces it. A length below 4 or above {@code maxFrame} is refused
 * before any body byte is buffered.
 */
public final class PgFrameDecoder extends ByteToMessageDecoder {
    private final int maxFrame;

    public PgFrameDecoder(int maxFrame) {
        this.maxFrame = maxFrame;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 5) {
            return;
        }
        int length = in.getInt(in.readerIndex() + 1);
        if (length < 4) {
            in.skipBytes(in.readableBytes());
            throw new CorruptedFrameException("invalid message length " + length);
        }
        if (length > maxFrame) {
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException("message of " + length + " bytes exceeds the limit of " + maxFrame);
        }
        if (in.readableBytes() < length + 1) {
            return;
        }
        byte tag = in.readByte();
        in.skipBytes(4);
        out.add(new PgFrame(tag, in.readRetainedSlice(length - 4)));
    }
}
