package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Protocol::OK_Packet: a command succeeded. Header 0x00, or 0xFE where it replaces the EOF that
 * ends a result set under CLIENT_DEPRECATE_EOF (told apart from an EOF packet by its length).
 *
 * <pre>
 *   header · lenenc affected rows · lenenc last insert id · int&lt;2&gt; status flags · int&lt;2&gt; warnings
 *   · CLIENT_SESSION_TRACK: lenenc info [· lenenc session state changes when SESSION_STATE_CHANGED]
 *   · else: info to the end of the packet
 * </pre>
 * The session-state changes are skipped here: the relay needs only the status flags (a reader
 * session's relay reads them with {@link SessionStateInfo}).
 *
 * @param affectedRows the rows changed
 * @param lastInsertId the last AUTO_INCREMENT value
 * @param statusFlags  see {@link ServerStatus}; the relay reads {@link ServerStatus#IN_TRANS} here
 * @param warnings     the warning count
 * @param info         human-readable status, often empty
 */
public record OkPacket(long affectedRows, long lastInsertId, int statusFlags, int warnings, String info) {

    public static final int HEADER = 0x00;
    public static final int EOF_HEADER = 0xFE;

    /**
     * Whether {@code payload} is an OK packet under {@code capabilities}: header 0x00, or header
     * 0xFE with CLIENT_DEPRECATE_EOF and more than an EOF packet's bytes.
     */
    public static boolean is(ByteBuf payload, long capabilities) {
        if (!payload.isReadable()) {
            return false;
        }
        int header = payload.getUnsignedByte(payload.readerIndex());
        return header == HEADER && payload.readableBytes() >= 7
                || header == EOF_HEADER && Capabilities.has(capabilities, Capabilities.CLIENT_DEPRECATE_EOF)
                && payload.readableBytes() >= EofPacket.MAX_SIZE;
    }

    /** Parses an OK packet (either header). */
    public static OkPacket decode(ByteBuf payload, long capabilities) {
        Wire.readUnsignedByte(payload);
        long affected = Wire.readLenencInt(payload);
        long insertId = Wire.readLenencInt(payload);
        int status = 0;
        int warnings = 0;
        if (Capabilities.has(capabilities, Capabilities.CLIENT_PROTOCOL_41)) {
            status = Wire.readUnsignedShortLE(payload);
            warnings = Wire.readUnsignedShortLE(payload);
        } else if (Capabilities.has(capabilities, Capabilities.CLIENT_TRANSACTIONS)) {
            status = Wire.readUnsignedShortLE(payload);
        }
        String info = "";
        if (Capabilities.has(capabilities, Capabilities.CLIENT_SESSION_TRACK)) {
            if (payload.isReadable()) {
                info = Wire.readLenencString(payload);
            }
            if ((status & ServerStatus.SESSION_STATE_CHANGED) != 0 && payload.isReadable()) {
                Wire.readLenencBytes(payload);
            }
        } else {
            info = Wire.readRestString(payload);
        }
        return new OkPacket(affected, insertId, status, warnings, info);
    }

    /** Writes this OK with header 0x00, laid out for {@code capabilities} (protocol 4.1 assumed). */
    public void encode(ByteBuf out, long capabilities) {
        encode(out, capabilities, HEADER);
    }

    /** Writes this OK with {@code header} (0x00, or 0xFE to end a result set under CLIENT_DEPRECATE_EOF). */
    public void encode(ByteBuf out, long capabilities, int header) {
        out.writeByte(header);
        Wire.writeLenencInt(out, affectedRows);
        Wire.writeLenencInt(out, lastInsertId);
        out.writeShortLE(statusFlags & ~ServerStatus.SESSION_STATE_CHANGED);
        out.writeShortLE(warnings);
        if (Capabilities.has(capabilities, Capabilities.CLIENT_SESSION_TRACK)) {
            Wire.writeLenencString(out, info);
        } else {
            out.writeCharSequence(info, Wire.UTF8);
        }
    }
}
