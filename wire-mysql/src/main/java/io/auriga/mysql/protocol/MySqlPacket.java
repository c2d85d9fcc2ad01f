package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One logical MySQL message: the payload of a packet, or of a run of packets joined because each
 * but the last carried exactly {@value MySqlPacketDecoder#MAX_PACKET_PAYLOAD} bytes. The payload is
 * a buffer the receiver must release (through this object).
 *
 * @see MySqlPacketDecoder
 */
public final class MySqlPacket extends AbstractReferenceCounted {
    private final int sequenceId;
    private final ByteBuf payload;

    /**
     * @param sequenceId the sequence id of the last physical packet of the message; a reply continues
     *                   with {@code sequenceId + 1} (mod 256)
     */
    public MySqlPacket(int sequenceId, ByteBuf payload) {
        this.sequenceId = sequenceId & 0xFF;
        this.payload = payload;
    }

    public int sequenceId() {
        return sequenceId;
    }

    public ByteBuf payload() {
        return payload;
    }

    /** The first payload byte (the header of OK, ERR, EOF and most commands), or -1 when empty. */
    public int header() {
        return payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
    }

    @Override
    protected void deallocate() {
        payload.release();
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "MySqlPacket(seq=" + sequenceId + ", " + payload.readableBytes() + " bytes)";
    }
}
