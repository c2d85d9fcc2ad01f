package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.ArrayList;
import java.util.List;

/**
 * The session state changes an OK packet carries under CLIENT_SESSION_TRACK when its status flags
 * hold SERVER_SESSION_STATE_CHANGED ("Protocol::OK_Packet", session state info):
 * <pre>
 *   OK: header · lenenc affected rows · lenenc last insert id · int&lt;2&gt; status · int&lt;2&gt; warnings
 *       · lenenc info · lenenc length of what follows:
 *         { int&lt;1&gt; type · lenenc length of data · data }*
 *   type 0 SESSION_TRACK_SYSTEM_VARIABLES      data: { lenenc name · lenenc value }+
 *   type 1 SESSION_TRACK_SCHEMA                data: lenenc schema
 *   type 2 SESSION_TRACK_STATE_CHANGE          data: lenenc "1"
 *   type 3 SESSION_TRACK_GTIDS                 data: int&lt;1&gt; spec · lenenc GTIDs
 *   type 4 SESSION_TRACK_TRANSACTION_CHARACTERISTICS  data: lenenc SQL that restores them
 *   type 5 SESSION_TRACK_TRANSACTION_STATE     data: lenenc 8 state letters
 * </pre>
 * MySQL writes one variable per type-0 entry; all of a type-0 entry's pairs are read, whichever the
 * server wrote. Types the proxy does not read are skipped by their length.
 *
 * @param variables       the system variables reported changed, in order, with their new values
 * @param characteristics the transaction characteristics reported, or null when none were
 */
public record SessionStateInfo(List<Variable> variables, String characteristics) {

    public static final int SYSTEM_VARIABLES = 0;
    public static final int TRANSACTION_CHARACTERISTICS = 4;

    /** One system variable and the value it changed to. */
    public record Variable(String name, String value) {
    }

    public SessionStateInfo {
        variables = List.copyOf(variables);
    }

    /**
     * The changes in the OK packet {@code payload} (whole), read under CLIENT_SESSION_TRACK; no changes
     * when its status flags do not announce them.
     *
     * @throws CorruptedFrameException when the packet ends early or a length runs past it
     */
    public static SessionStateInfo decode(ByteBuf payload) {
        ByteBuf b = payload.duplicate();
        int status = skipToInfo(b);
        List<Variable> variables = new ArrayList<>();
        String characteristics = null;
        if ((status & ServerStatus.SESSION_STATE_CHANGED) == 0 || !b.isReadable()) {
            return new SessionStateInfo(variables, null);
        }
        skipLenenc(b);
        ByteBuf all = slice(b, Wire.readLenencInt(b));
        while (all.isReadable()) {
            int type = Wire.readUnsignedByte(all);
            ByteBuf data = slice(all, Wire.readLenencInt(all));
            if (type == SYSTEM_VARIABLES) {
                while (data.isReadable()) {
                    variables.add(new Variable(Wire.readLenencString(data), Wire.readLenencString(data)));
                }
            } else if (type == TRANSACTION_CHARACTERISTICS) {
                characteristics = Wire.readLenencString(data);
            }
        }
        return new SessionStateInfo(variables, characteristics);
    }

    /**
     * The OK packet {@code payload} as a server lays it out for a client without CLIENT_SESSION_TRACK:
     * no session state, SERVER_SESSION_STATE_CHANGED cleared, and the info (kept length-encoded, as
     * MariaDB and MySQL write it) only when there is any. Written to {@code out}.
     */
    public static void writeUntracked(ByteBuf payload, ByteBuf out) {
        // Indices are the duplicate's own: a duplicate of a derived buffer may number its bytes differently.
        ByteBuf b = payload.duplicate();
        int start = b.readerIndex();
        int status = skipToInfo(b);
        int statusAt = b.readerIndex() - 4;
        out.writeBytes(b, start, statusAt - start);
        out.writeShortLE(status & ~ServerStatus.SESSION_STATE_CHANGED);
        out.writeBytes(b, statusAt + 2, 2);
        if ((status & ServerStatus.SESSION_STATE_CHANGED) == 0) {
            out.writeBytes(b);
            return;
        }
        if (!b.isReadable()) {
            return;
        }
        int infoAt = b.readerIndex();
        if (Wire.readLenencInt(b.duplicate()) > 0) {
            skipLenenc(b);
            out.writeBytes(b, infoAt, b.readerIndex() - infoAt);
        }
    }

    /** Reads past the header, affected rows, last insert id, status and warnings; returns the status flags. */
    private static int skipToInfo(ByteBuf b) {
        Wire.readUnsignedByte(b);
        Wire.readLenencInt(b);
        Wire.readLenencInt(b);
        int status = Wire.readUnsignedShortLE(b);
        Wire.readUnsignedShortLE(b);
        return status;
    }

    private static void skipLenenc(ByteBuf b) {
        slice(b, Wire.readLenencInt(b));
    }

    private static ByteBuf slice(ByteBuf b, long length) {
        if (length < 0 || length > b.readableBytes()) {
            throw new CorruptedFrameException("session state of " + Long.toUnsignedString(length) + " bytes, only "
                    + b.readableBytes() + " left");
        }
        return b.readSlice((int) length);
    }
}
