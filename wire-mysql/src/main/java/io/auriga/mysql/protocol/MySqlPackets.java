package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Writes MySQL packets: the framing that {@link MySqlPacketDecoder} reads. */
public final class MySqlPackets {
    private MySqlPackets() {
    }

    /**
     * Frames {@code payload} as one message starting with {@code sequenceId}: packets of at most
     * {@value MySqlPacketDecoder#MAX_PACKET_PAYLOAD} bytes, plus an empty one when the payload is an
     * exact multiple of that size. Does not change {@code payload}'s reader index.
     *
     * @return the sequence id that follows the last packet written
     */
    public static int write(ByteBuf out, int sequenceId, ByteBuf payload) {
        int offset = payload.readerIndex();
        int remaining = payload.readableBytes();
        int seq = sequenceId;
        while (true) {
            int chunk = Math.min(remaining, MySqlPacketDecoder.MAX_PACKET_PAYLOAD);
            out.writeMediumLE(chunk);
            out.writeByte(seq);
            out.writeBytes(payload, offset, chunk);
            seq = (seq + 1) & 0xFF;
            offset += chunk;
            remaining -= chunk;
            if (chunk < MySqlPacketDecoder.MAX_PACKET_PAYLOAD) {
                return seq;
            }
        }
    }

    /** {@code payload} framed as one message in a new buffer. */
    public static ByteBuf frame(ByteBufAllocator alloc, int sequenceId, ByteBuf payload) {
        int packets = payload.readableBytes() / MySqlPacketDecoder.MAX_PACKET_PAYLOAD + 1;
        ByteBuf out = alloc.buffer(payload.readableBytes() + 4 * packets);
        write(out, sequenceId, payload);
        return out;
    }
}
