package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A client's COM_CHANGE_USER: log this connection in again as another user ("COM_CHANGE_USER" in the
 * Client/Server Protocol pages). Laid out by the capabilities the connection negotiated:
 *
 * <pre>
 *   int&lt;1&gt; 0x11 · string&lt;NUL&gt; user
 *   · auth response: int&lt;1&gt; length then the bytes (CLIENT_SECURE_CONNECTION), else NUL-terminated
 *   · string&lt;NUL&gt; schema (always present, empty for none)
 *   · int&lt;2&gt; collation (when more data follows)
 *   · string&lt;NUL&gt; auth plugin name (CLIENT_PLUGIN_AUTH, when more data follows)
 *   · length-encoded size, then length-encoded key/value strings (CLIENT_CONNECT_ATTRS, when more follows)
 * </pre>
 *
 * @param user           the user to become
 * @param authResponse   the plugin's answer to the connection's scramble (a server asks again anyway)
 * @param schema         the schema to use, empty for none
 * @param characterSet   the collation id, or -1 when the client sent none (the connection's stays)
 * @param authPluginName the plugin of the response, null when not sent
 * @param attributes     connection attributes, in the order sent; null when not sent (the login's stay)
 */
public record ComChangeUser(String user, byte[] authResponse, String schema, int characterSet, String authPluginName,
                            Map<String, String> attributes) {

    public ComChangeUser {
        authResponse = authResponse.clone();
        attributes = attributes == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    @Override
    public byte[] authResponse() {
        return authResponse.clone();
    }

    /** Whether {@code payload} is a COM_CHANGE_USER command. */
    public static boolean is(ByteBuf payload) {
        return payload.isReadable() && payload.getUnsignedByte(payload.readerIndex()) == Command.COM_CHANGE_USER;
    }

    /**
     * Parses a whole COM_CHANGE_USER payload (its command byte included).
     *
     * @throws CorruptedFrameException when it is malformed
     */
    public static ComChangeUser decode(ByteBuf payload, long capabilities) {
        if (!is(payload)) {
            throw new CorruptedFrameException("not a COM_CHANGE_USER");
        }
        payload.skipBytes(1);
        String user = Wire.readNulString(payload);
        byte[] auth = Capabilities.has(capabilities, Capabilities.CLIENT_SECURE_CONNECTION)
                ? Wire.readBytes(payload, Wire.readUnsignedByte(payload))
                : Wire.readNulString(payload).getBytes(Wire.UTF8);
        String schema = payload.isReadable() ? Wire.readNulOrEofString(payload) : "";
        int characterSet = -1;
        if (payload.readableBytes() >= 2) {
            characterSet = payload.readUnsignedShortLE();
        }
        String plugin = Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH) && payload.isReadable()
                ? Wire.readNulOrEofString(payload) : null;
        Map<String, String> attributes = null;
        if (Capabilities.has(capabilities, Capabilities.CLIENT_CONNECT_ATTRS) && payload.isReadable()) {
            long size = Wire.readLenencInt(payload);
            if (size < 0 || size > payload.readableBytes()) {
                throw new CorruptedFrameException("connection attributes of " + Long.toUnsignedString(size)
                        + " bytes, only " + payload.readableBytes() + " left");
            }
            attributes = new LinkedHashMap<>();
            ByteBuf attrs = payload.readSlice((int) size);
            while (attrs.isReadable()) {
                attributes.put(Wire.readLenencString(attrs), Wire.readLenencString(attrs));
            }
        }
        return new ComChangeUser(user, auth, schema, characterSet, plugin, attributes);
    }

    /** Writes this command as a payload laid out for {@code capabilities}. */
    public void encode(ByteBuf out, long capabilities) {
        out.writeByte(Command.COM_CHANGE_USER);
        Wire.writeNulString(out, user);
        if (Capabilities.has(capabilities, Capabilities.CLIENT_SECURE_CONNECTION)) {
            out.writeByte(authResponse.length).writeBytes(authResponse);
        } else {
            out.writeBytes(authResponse).writeByte(0);
        }
        Wire.writeNulString(out, schema);
        if (characterSet < 0) {
            return;
        }
        out.writeShortLE(characterSet);
        if (Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH)) {
            Wire.writeNulString(out, authPluginName == null ? "" : authPluginName);
        }
        if (attributes != null && Capabilities.has(capabilities, Capabilities.CLIENT_CONNECT_ATTRS)) {
            Wire.writeAttributes(out, attributes);
        }
    }
}
