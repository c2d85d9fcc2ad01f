package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Protocol::EOF_Packet: 0xFE, int&lt;2&gt; warnings, int&lt;2&gt; status flags (protocol 4.1). Ends column
 * definitions and rows unless CLIENT_DEPRECATE_EOF was negotiated.
 *
 * @param warnings    the warning count
 * @param statusFlags see {@link ServerStatus}
 */
public record EofPacket(int warnings, int statusFlags) {

    public static final int HEADER = 0xFE;
    /** An EOF packet is shorter than this; a 0xFE packet this long or longer is an OK (or a row). */
    public static final int MAX_SIZE = 9;

    /** Whether {@code payload} is an EOF packet: header 0xFE and fewer than {@value #MAX_SIZE} bytes. */
    public static boolean is(ByteBuf payload) {
        return payload.isReadable() && payload.readableBytes() < MAX_SIZE
                && payload.getUnsignedByte(payload.readerIndex()) == HEADER;
    }

    public static EofPacket decode(ByteBuf payload) {
        Wire.readUnsignedByte(payload);
        if (payload.readableBytes() < 4) {
            return new EofPacket(0, 0); // protocol 3.x: the header alone
        }
        int warnings = Wire.readUnsignedShortLE(payload);
        return new EofPacket(warnings, Wire.readUnsignedShortLE(payload));
    }

    public void encode(ByteBuf out) {
        out.writeByte(HEADER).writeShortLE(warnings).writeShortLE(statusFlags);
    }
}
