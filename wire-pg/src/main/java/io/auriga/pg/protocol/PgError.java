package io.auriga.pg.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * An ErrorResponse the proxy itself sends (protocol §55.8 "ErrorResponse"); errors from a
 * backend are relayed untouched instead. Every SQLSTATE the proxy uses is named here, in one place.
 */
public record PgError(String severity, String code, String message, String detail, String hint) {

    /** 28P01: the password (or proof) was wrong, or the user may not log in. */
    public static final String INVALID_PASSWORD = "28P01";
    /** 28000: the client may not connect this way (e.g. TLS required). */
    public static final String INVALID_AUTHORIZATION = "28000";
    /** 08001: no instance can take the session. */
    public static final String CANNOT_CONNECT = "08001";
    /** 08006: the backend connection was lost outside a transaction. */
    public static final String CONNECTION_FAILURE = "08006";
    /** 08007: the connection was lost inside a transaction; whether it committed is unknown. */
    public static final String TRANSACTION_RESOLUTION_UNKNOWN = "08007";
    /** 08P01: the client broke the protocol. */
    public static final String PROTOCOL_VIOLATION = "08P01";
    /** 0A000: a protocol version or feature the proxy does not support. */
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    /** 40001: the transaction was lost (to a failover) and may be retried from the start. */
    public static final String SERIALIZATION_FAILURE = "40001";
    /** 57P03: the server cannot take connections now; here, a failover did not finish in time. */
    public static final String FAILOVER_TIMEOUT = "57P03";
    /** 57P03 as the server sends it to a new connection while it shuts down, starts up or recovers. */
    public static final String CANNOT_CONNECT_NOW = "57P03";
    /**
     * 57P01: a backend's farewell when its server shuts down (or its postmaster died), and equally
     * when an administrator ended it with {@code pg_terminate_backend()}.
     */
    public static final String ADMIN_SHUTDOWN = "57P01";
    /** 53300: the proxy cannot take more connections. */
    public static final String TOO_MANY_CONNECTIONS = "53300";

    public static PgError fatal(String code, String message) {
        return new PgError("FATAL", code, message, null, null);
    }

    public PgError withDetail(String newDetail) {
        return new PgError(severity, code, message, newDetail, hint);
    }

    public PgError withHint(String newHint) {
        return new PgError(severity, code, message, detail, newHint);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(64 + message.length());
        buf.writeByte('E');
        int lengthAt = buf.writerIndex();
        buf.writeInt(0);
        field(buf, 'S', severity);
        field(buf, 'V', severity);
        field(buf, 'C', code);
        field(buf, 'M', message);
        field(buf, 'D', detail);
        field(buf, 'H', hint);
        buf.writeByte(0);
        buf.setInt(lengthAt, buf.writerIndex() - lengthAt);
        return buf;
    }

    private static void field(ByteBuf buf, char type, String value) {
        if (value != null) {
            buf.writeByte(type);
            buf.writeCharSequence(value, StandardCharsets.UTF_8);
            buf.writeByte(0);
        }
    }

    /** Reads the SQLSTATE and message of an ErrorResponse body (after tag and length), for logs. */
    public static String describe(ByteBuf body) {
        Map<Character, String> fields = fields(body);
        return fields.getOrDefault('C', "?") + " " + fields.getOrDefault('M', "?");
    }

    /**
     * The fields of an ErrorResponse or NoticeResponse body by type ({@code 'V'} severity,
     * {@code 'C'} SQLSTATE, {@code 'M'} message, ...), without moving the reader index.
     */
    public static Map<Character, String> fields(ByteBuf body) {
        Map<Character, String> fields = new HashMap<>();
        int i = body.readerIndex();
        while (i < body.writerIndex()) {
            byte type = body.getByte(i++);
            if (type == 0) {
                break;
            }
            int end = body.indexOf(i, body.writerIndex(), (byte) 0);
            if (end < 0) {
                break;
            }
            fields.put((char) type, body.toString(i, end - i, StandardCharsets.UTF_8));
            i = end + 1;
        }
        return fields;
    }
}
