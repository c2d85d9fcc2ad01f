package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The basic types of the MySQL protocol: length-encoded integers and strings, NUL-terminated
 * strings, fixed-length bytes. Readers check every length against what is readable and throw
 * {@link CorruptedFrameException} instead of reading past the payload.
 */
public final class Wire {
    private Wire() {
    }

    /** Strings are UTF-8: Auriga negotiates utf8mb4 (and names and plugins are ASCII). */
    static final Charset UTF8 = StandardCharsets.UTF_8;

    /**
     * Reads a length-encoded integer: {@code < 0xFB} itself, {@code 0xFC} + 2 bytes, {@code 0xFD} + 3,
     * {@code 0xFE} + 8. {@code 0xFB} (NULL in a row) and {@code 0xFF} are not integers here.
     */
    public static long readLenencInt(ByteBuf buf) {
        int first = readUnsignedByte(buf);
        return switch (first) {
            case 0xFC -> {
                require(buf, 2);
                yield buf.readUnsignedShortLE();
            }
            case 0xFD -> {
                require(buf, 3);
                yield buf.readUnsignedMediumLE();
            }
            case 0xFE -> {
                require(buf, 8);
                yield buf.readLongLE();
            }
            case 0xFB, 0xFF -> throw new CorruptedFrameException("0x" + Integer.toHexString(first)
                    + " does not start a length-encoded integer");
            default -> first;
        };
    }

    /** Writes {@code value} as a length-encoded integer, in the shortest form. */
    public static void writeLenencInt(ByteBuf buf, long value) {
        if (value >= 0 && value < 0xFB) {
            buf.writeByte((int) value);
        } else if (value >= 0 && value < (1 << 16)) {
            buf.writeByte(0xFC).writeShortLE((int) value);
        } else if (value >= 0 && value < (1 << 24)) {
            buf.writeByte(0xFD).writeMediumLE((int) value);
        } else {
            buf.writeByte(0xFE).writeLongLE(value);
        }
    }

    /** Reads a length-encoded byte string. */
    public static byte[] readLenencBytes(ByteBuf buf) {
        long length = readLenencInt(buf);
        if (length < 0 || length > buf.readableBytes()) {
            throw new CorruptedFrameException("length-encoded string of " + Long.toUnsignedString(length)
                    + " bytes, only " + buf.readableBytes() + " left");
        }
        byte[] bytes = new byte[(int) length];
        buf.readBytes(bytes);
        return bytes;
    }

    /** Reads a length-encoded UTF-8 string. */
    public static String readLenencString(ByteBuf buf) {
        return new String(readLenencBytes(buf), UTF8);
    }

    public static void writeLenencBytes(ByteBuf buf, byte[] bytes) {
        writeLenencInt(buf, bytes.length);
        buf.writeBytes(bytes);
    }

    public static void writeLenencString(ByteBuf buf, String value) {
        writeLenencBytes(buf, value.getBytes(UTF8));
    }

    /** Reads a NUL-terminated string; the NUL is consumed. */
    public static String readNulString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new CorruptedFrameException("string without its terminating NUL");
        }
        String value = buf.readCharSequence(end - buf.readerIndex(), UTF8).toString();
        buf.skipBytes(1);
        return value;
    }

    /** Reads a NUL-terminated string, or the rest of the payload when it has no NUL (as some servers send the plugin name). */
    public static String readNulOrEofString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            return readRestString(buf);
        }
        return readNulString(buf);
    }

    public static void writeNulString(ByteBuf buf, String value) {
        buf.writeCharSequence(value, UTF8);
        buf.writeByte(0);
    }

    /** The rest of the payload as a string. */
    /**
     * Connection attributes as HandshakeResponse41 and COM_CHANGE_USER carry them (CLIENT_CONNECT_ATTRS):
     * the length of the whole block, then each key and value as length-encoded strings.
     */
    public static void writeAttributes(ByteBuf buf, java.util.Map<String, String> attributes) {
        ByteBuf block = buf.alloc().buffer();
        try {
            attributes.forEach((k, v) -> {
                writeLenencString(block, k);
                writeLenencString(block, v);
            });
            writeLenencInt(buf, block.readableBytes());
            buf.writeBytes(block);
        } finally {
            block.release();
        }
    }

    public static String readRestString(ByteBuf buf) {
        return buf.readCharSequence(buf.readableBytes(), UTF8).toString();
    }

    public static byte[] readBytes(ByteBuf buf, int length) {
        require(buf, length);
        byte[] bytes = new byte[length];
        buf.readBytes(bytes);
        return bytes;
    }

    public static int readUnsignedByte(ByteBuf buf) {
        require(buf, 1);
        return buf.readUnsignedByte();
    }

    public static int readUnsignedShortLE(ByteBuf buf) {
        require(buf, 2);
        return buf.readUnsignedShortLE();
    }

    public static long readUnsignedIntLE(ByteBuf buf) {
        require(buf, 4);
        return buf.readUnsignedIntLE();
    }

    public static void skip(ByteBuf buf, int length) {
        require(buf, length);
        buf.skipBytes(length);
    }

    static void require(ByteBuf buf, int length) {
        if (buf.readableBytes() < length) {
            throw new CorruptedFrameException("packet ends early: " + length + " bytes needed, "
                    + buf.readableBytes() + " left");
        }
    }
}
