package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's answer to the handshake, Protocol::HandshakeResponse41, and its 32-byte prefix,
 * Protocol::SSLRequest, which a client sends alone to upgrade to TLS first.
 *
 * <pre>
 *   int&lt;4&gt; capabilities · int&lt;4&gt; max packet size · int&lt;1&gt; charset
 *   · 19 zero bytes · int&lt;4&gt; MariaDB extended capabilities when CLIENT_MYSQL is clear, else zero
 *   -- an SSLRequest ends here (32 bytes) --
 *   · string&lt;NUL&gt; user
 *   · auth response: length-encoded (CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA), else int&lt;1&gt; length
 *     (CLIENT_SECURE_CONNECTION), else NUL-terminated
 *   · string&lt;NUL&gt; database (CLIENT_CONNECT_WITH_DB)
 *   · string&lt;NUL&gt; auth plugin name (CLIENT_PLUGIN_AUTH)
 *   · length-encoded size, then length-encoded key/value strings (CLIENT_CONNECT_ATTRS)
 * </pre>
 *
 * @param capabilities   see {@link Capabilities}; bits 32–63 are MariaDB's extended capabilities
 * @param maxPacketSize  the largest packet the client accepts
 * @param characterSet   the client's collation id
 * @param user           the user name
 * @param authResponse   the auth plugin's answer (for mysql_native_password, 20 bytes or empty)
 * @param database       the initial database, null when not sent
 * @param authPluginName the plugin the response was computed with, null when not sent
 * @param attributes     connection attributes, in the order sent (empty when none)
 */
public record HandshakeResponse41(long capabilities, long maxPacketSize, int characterSet, String user,
                                  byte[] authResponse, String database, String authPluginName,
                                  Map<String, String> attributes) {

    /** The size of an SSLRequest payload: the fixed prefix of every HandshakeResponse41. */
    public static final int SSL_REQUEST_SIZE = 32;
    private static final int FILLER = 19;

    public HandshakeResponse41 {
        authResponse = authResponse.clone();
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    @Override
    public byte[] authResponse() {
        return authResponse.clone();
    }

    /**
     * The same response with {@code flags} cleared from its capabilities and without its auth answer,
     * which an authenticated session has no use for (a clear-text one is the password itself).
     */
    public HandshakeResponse41 accepted(long flags) {
        return new HandshakeResponse41(capabilities & ~flags, maxPacketSize, characterSet, user, new byte[0], database,
                authPluginName, attributes);
    }

    /** Whether {@code payload} is an SSLRequest: exactly the 32-byte prefix, with CLIENT_SSL. */
    public static boolean isSslRequest(ByteBuf payload) {
        return payload.readableBytes() == SSL_REQUEST_SIZE
                && (payload.getUnsignedIntLE(payload.readerIndex()) & Capabilities.CLIENT_SSL) != 0;
    }

    /** Writes an SSLRequest payload for {@code capabilities} (CLIENT_SSL is added). */
    public static void encodeSslRequest(ByteBuf out, long capabilities, long maxPacketSize, int characterSet) {
        writePrefix(out, capabilities | Capabilities.CLIENT_SSL, maxPacketSize, characterSet);
    }

    /**
     * Parses a HandshakeResponse41 payload.
     *
     * @throws CorruptedFrameException when it is malformed, or an SSLRequest, or lacks CLIENT_PROTOCOL_41
     */
    public static HandshakeResponse41 decode(ByteBuf payload) {
        long capabilities = Wire.readUnsignedIntLE(payload);
        if (!Capabilities.has(capabilities, Capabilities.CLIENT_PROTOCOL_41)) {
            throw new CorruptedFrameException("client without CLIENT_PROTOCOL_41 (HandshakeResponse320 is not supported)");
        }
        long maxPacket = Wire.readUnsignedIntLE(payload);
        int charset = Wire.readUnsignedByte(payload);
        Wire.skip(payload, FILLER);
        long extended = Wire.readUnsignedIntLE(payload);
        if (!Capabilities.has(capabilities, Capabilities.CLIENT_MYSQL)) {
            capabilities |= extended << 32;
        }
        if (!payload.isReadable()) {
            throw new CorruptedFrameException("an SSLRequest, not a HandshakeResponse41");
        }
        String user = Wire.readNulString(payload);
        byte[] auth;
        if (Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
            auth = Wire.readLenencBytes(payload);
        } else if (Capabilities.has(capabilities, Capabilities.CLIENT_SECURE_CONNECTION)) {
            auth = Wire.readBytes(payload, Wire.readUnsignedByte(payload));
        } else {
            auth = Wire.readNulString(payload).getBytes(Wire.UTF8);
        }
        String database = Capabilities.has(capabilities, Capabilities.CLIENT_CONNECT_WITH_DB) && payload.isReadable()
                ? Wire.readNulOrEofString(payload) : null;
        String plugin = Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH) && payload.isReadable()
                ? Wire.readNulOrEofString(payload) : null;
        Map<String, String> attributes = new LinkedHashMap<>();
        if (Capabilities.has(capabilities, Capabilities.CLIENT_CONNECT_ATTRS) && payload.isReadable()) {
            long size = Wire.readLenencInt(payload);
            if (size < 0 || size > payload.readableBytes()) {
                throw new CorruptedFrameException("connection attributes of " + Long.toUnsignedString(size)
                        + " bytes, only " + payload.readableBytes() + " left");
            }
            ByteBuf attrs = payload.readSlice((int) size);
            while (attrs.isReadable()) {
                attributes.put(Wire.readLenencString(attrs), Wire.readLenencString(attrs));
            }
        }
        return new HandshakeResponse41(capabilities, maxPacket, charset, user, auth, database, plugin, attributes);
    }

    /** Writes this response as a payload, laid out by its own capability flags. */
    public void encode(ByteBuf out) {
        writePrefix(out, capabilities, maxPacketSize, characterSet);
        Wire.writeNulString(out, user);
        if (Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
            Wire.writeLenencBytes(out, authResponse);
        } else if (Capabilities.has(capabilities, Capabilities.CLIENT_SECURE_CONNECTION)) {
            if (authResponse.length > 0xFF) {
                throw new IllegalStateException("auth response of " + authResponse.length
                        + " bytes needs CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA");
            }
            out.writeByte(authResponse.length).writeBytes(authResponse);
        } else {
            out.writeBytes(authResponse).writeByte(0);
        }
        if (Capabilities.has(capabilities, Capabilities.CLIENT_CONNECT_WITH_DB)) {
            Wire.writeNulString(out, database == null ? "" : database);
        }
        if (Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH)) {
            Wire.writeNulString(out, authPluginName == null ? "" : authPluginName);
        }
        if (Capabilities.has(capabilities, Capabilities.CLIENT_CONNECT_ATTRS)) {
            Wire.writeAttributes(out, attributes);
        }
    }

    private static void writePrefix(ByteBuf out, long capabilities, long maxPacketSize, int characterSet) {
        out.writeIntLE((int) Capabilities.lower(capabilities));
        out.writeIntLE((int) maxPacketSize);
        out.writeByte(characterSet);
        out.writeZero(FILLER);
        boolean mariaDb = !Capabilities.has(capabilities, Capabilities.CLIENT_MYSQL);
        out.writeIntLE(mariaDb ? (int) Capabilities.extended(capabilities) : 0);
    }
}
