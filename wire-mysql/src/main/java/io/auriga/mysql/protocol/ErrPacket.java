package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Protocol::ERR_Packet: 0xFF, int&lt;2&gt; error code, then (protocol 4.1) {@code #} and a 5-character
 * SQLSTATE, then the message to the end of the packet. MariaDB also uses the 0xFF header for progress
 * reports (error code 0xFFFF), which are not errors: see {@link #isProgressReport()}.
 *
 * @param errorCode the server error number, e.g. 1045 access denied
 * @param sqlState  the SQLSTATE, {@code HY000} when the packet has none
 * @param message   the human-readable message
 */
public record ErrPacket(int errorCode, String sqlState, String message) {

    public static final int HEADER = 0xFF;
    public static final int PROGRESS_REPORT = 0xFFFF;
    private static final String GENERAL_STATE = "HY000";

    /** Whether {@code payload} starts with the ERR header. */
    public static boolean is(ByteBuf payload) {
        return payload.isReadable() && payload.getUnsignedByte(payload.readerIndex()) == HEADER;
    }

    /** Whether this is a MariaDB progress report rather than an error. */
    public boolean isProgressReport() {
        return errorCode == PROGRESS_REPORT;
    }

    public static ErrPacket decode(ByteBuf payload) {
        Wire.readUnsignedByte(payload);
        int code = Wire.readUnsignedShortLE(payload);
        if (code == PROGRESS_REPORT) {
            payload.skipBytes(payload.readableBytes());
            return new ErrPacket(code, GENERAL_STATE, "progress report");
        }
        String state = GENERAL_STATE;
        if (payload.readableBytes() >= 6 && payload.getByte(payload.readerIndex()) == '#') {
            payload.skipBytes(1);
            state = payload.readCharSequence(5, Wire.UTF8).toString();
        }
        return new ErrPacket(code, state, Wire.readRestString(payload));
    }

    /** Writes this error in the protocol 4.1 layout. */
    public void encode(ByteBuf out) {
        out.writeByte(HEADER).writeShortLE(errorCode).writeByte('#');
        out.writeCharSequence(sqlState, Wire.UTF8);
        out.writeCharSequence(message, Wire.UTF8);
    }
}
