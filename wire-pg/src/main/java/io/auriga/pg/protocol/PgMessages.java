package io.auriga.pg.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Encoders for the few messages the proxy writes itself (protocol chapter 55.7, "Message
 * Formats"). Everything else is relayed as received.
 */
public final class PgMessages {
    public static final int PROTOCOL_3_0 = 196608;
    public static final int SSL_REQUEST = 80877103;
    public static final int GSSENC_REQUEST = 80877104;
    public static final int CANCEL_REQUEST = 80877102;

    public static final int AUTH_OK = 0;
    public static final int AUTH_CLEARTEXT = 3;
    public static final int AUTH_MD5 = 5;
    public static final int AUTH_SASL = 10;
    public static final int AUTH_SASL_CONTINUE = 11;
    public static final int AUTH_SASL_FINAL = 12;

    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";

    private PgMessages() {
    }

    public static ByteBuf authentication(ByteBufAllocator alloc, int code, byte[] data) {
        ByteBuf buf = alloc.buffer(9 + data.length);
        buf.writeByte('R').writeInt(8 + data.length).writeInt(code).writeBytes(data);
        return buf;
    }

    public static ByteBuf authenticationSasl(ByteBufAllocator alloc, List<String> mechanisms) {
        ByteBuf buf = alloc.buffer();
        buf.writeByte('R').writeInt(0).writeInt(AUTH_SASL);
        for (String mechanism : mechanisms) {
            cstring(buf, mechanism);
        }
        buf.writeByte(0);
        return patchLength(buf, 1);
    }

    public static ByteBuf parameterStatus(ByteBufAllocator alloc, String name, String value) {
        ByteBuf buf = alloc.buffer();
        buf.writeByte('S').writeInt(0);
        cstring(buf, name);
        cstring(buf, value);
        return patchLength(buf, 1);
    }

    public static ByteBuf backendKeyData(ByteBufAllocator alloc, int processId, int secretKey) {
        return alloc.buffer(13).writeByte('K').writeInt(12).writeInt(processId).writeInt(secretKey);
    }

    public static ByteBuf readyForQuery(ByteBufAllocator alloc, byte status) {
        return alloc.buffer(6).writeByte('Z').writeInt(5).writeByte(status);
    }

    /**
     * Tells a client asking for 3.x (x &gt; 0) that the proxy speaks 3.0, naming options it ignored.
     * The version goes out whole (major in the high 16 bits), as PostgreSQL sends it and libpq
     * reads it: a bare minor of 0 reads as protocol 0.0, which libpq refuses as a downgrade.
     */
    public static ByteBuf negotiateProtocolVersion(ByteBufAllocator alloc, List<String> unsupported) {
        ByteBuf buf = alloc.buffer();
        buf.writeByte('v').writeInt(0).writeInt(PROTOCOL_3_0).writeInt(unsupported.size());
        unsupported.forEach(option -> cstring(buf, option));
        return patchLength(buf, 1);
    }

    public static ByteBuf startupMessage(ByteBufAllocator alloc, Map<String, String> parameters) {
        ByteBuf buf = alloc.buffer();
        buf.writeInt(0).writeInt(PROTOCOL_3_0);
        parameters.forEach((k, v) -> {
            cstring(buf, k);
            cstring(buf, v);
        });
        buf.writeByte(0);
        return patchLength(buf, 0);
    }

    public static ByteBuf saslInitialResponse(ByteBufAllocator alloc, String mechanism, String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = alloc.buffer();
        buf.writeByte('p').writeInt(0);
        cstring(buf, mechanism);
        buf.writeInt(bytes.length).writeBytes(bytes);
        return patchLength(buf, 1);
    }

    /** SASLResponse and PasswordMessage share the tag 'p'; SASL data is not NUL-terminated. */
    public static ByteBuf saslResponse(ByteBufAllocator alloc, String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        return alloc.buffer(5 + bytes.length).writeByte('p').writeInt(4 + bytes.length).writeBytes(bytes);
    }

    public static ByteBuf passwordMessage(ByteBufAllocator alloc, String password) {
        ByteBuf buf = alloc.buffer();
        buf.writeByte('p').writeInt(0);
        cstring(buf, password);
        return patchLength(buf, 1);
    }

    public static ByteBuf cancelRequest(ByteBufAllocator alloc, int processId, int secretKey) {
        return alloc.buffer(16).writeInt(16).writeInt(CANCEL_REQUEST).writeInt(processId).writeInt(secretKey);
    }

    /** A simple-protocol Query. */
    public static ByteBuf query(ByteBufAllocator alloc, String sql) {
        ByteBuf buf = alloc.buffer();
        buf.writeByte('Q').writeInt(0);
        cstring(buf, sql);
        return patchLength(buf, 1);
    }

    public static ByteBuf terminate(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('X').writeInt(4);
    }

    /** Reads a NUL-terminated UTF-8 string, or returns null when no terminator is left. */
    public static String readCString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            return null;
        }
        String s = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return s;
    }

    private static void cstring(ByteBuf buf, String s) {
        buf.writeCharSequence(s, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }

    private static ByteBuf patchLength(ByteBuf buf, int lengthAt) {
        buf.setInt(lengthAt, buf.writerIndex() - lengthAt);
        return buf;
    }
}
