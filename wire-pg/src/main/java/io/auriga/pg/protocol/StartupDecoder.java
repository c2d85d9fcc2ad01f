package io.auriga.pg.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the untagged packets that open a PostgreSQL connection: {@code int32 length,
 * int32 code, body}. The length is checked against a hard limit before any byte of the body is
 * buffered, so a client announcing a huge packet costs nothing. After an {@link StartupPacket.Invalid}
 * or a {@link StartupPacket.Terminate} the decoder discards everything: the handler answers (or
 * not) and closes.
 */
public final class StartupDecoder extends ByteToMessageDecoder {
    private final int maxPacket;
    private boolean failed;

    public StartupDecoder(int maxPacket) {
        this.maxPacket = maxPacket;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        if (in.getByte(in.readerIndex()) == 'X') {
            // A tagged Terminate, not a length: 'X' would read as a length of about 1.4 GB.
            if (in.readableBytes() < 5) {
                return;
            }
            if (in.getInt(in.readerIndex() + 1) == 4) {
                failed = true;
                in.skipBytes(in.readableBytes());
                out.add(new StartupPacket.Terminate());
                return;
            }
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > maxPacket) {
            fail(in, out, PgError.PROTOCOL_VIOLATION, "invalid length of startup packet: " + length);
            return;
        }
        if (in.readableBytes() < length) {
            return;
        }
        ByteBuf packet = in.readSlice(length).skipBytes(4);
        StartupPacket decoded = decodePacket(packet, length);
        if (decoded instanceof StartupPacket.Invalid) {
            failed = true;
            in.skipBytes(in.readableBytes());
        }
        out.add(decoded);
    }

    private void fail(ByteBuf in, List<Object> out, String code, String reason) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(new StartupPacket.Invalid(code, reason));
    }

    static StartupPacket decodePacket(ByteBuf packet, int length) {
        int code = packet.readInt();
        switch (code) {
            case PgMessages.SSL_REQUEST:
                return length == 8 ? new StartupPacket.SslRequest()
                        : new StartupPacket.Invalid(PgError.PROTOCOL_VIOLATION, "invalid length of SSLRequest");
            case PgMessages.GSSENC_REQUEST:
                return length == 8 ? new StartupPacket.GssEncRequest()
                        : new StartupPacket.Invalid(PgError.PROTOCOL_VIOLATION, "invalid length of GSSENCRequest");
            case PgMessages.CANCEL_REQUEST:
                return length == 16 ? new StartupPacket.CancelRequest(packet.readInt(), packet.readInt())
                        : new StartupPacket.Invalid(PgError.PROTOCOL_VIOLATION, "invalid length of CancelRequest");
            default:
                return startup(code >>> 16, code & 0xFFFF, packet);
        }
    }

    private static StartupPacket startup(int major, int minor, ByteBuf body) {
        if (major != 3) {
            return new StartupPacket.Invalid(PgError.FEATURE_NOT_SUPPORTED,
                    "unsupported frontend protocol " + major + "." + minor + ": server supports 3.0");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        while (true) {
            int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
            if (end < 0) {
                return new StartupPacket.Invalid(PgError.PROTOCOL_VIOLATION, "startup packet is not terminated");
            }
            if (end == body.readerIndex()) {
                break;
            }
            String name = body.toString(body.readerIndex(), end - body.readerIndex(), StandardCharsets.UTF_8);
            body.readerIndex(end + 1);
            String value = PgMessages.readCString(body);
            if (value == null) {
                return new StartupPacket.Invalid(PgError.PROTOCOL_VIOLATION,
                        "startup parameter " + name + " has no value");
            }
            parameters.put(name, value);
        }
        return new StartupPacket.Startup(major, minor, parameters);
    }
}
