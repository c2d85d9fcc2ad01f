package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.Arrays;

/**
 * The server's first packet, Protocol::HandshakeV10.
 *
 * <pre>
 *   int&lt;1&gt; 10 · string&lt;NUL&gt; server version · int&lt;4&gt; connection id
 *   · auth-plugin-data part 1 (8) · 0x00 · capabilities (low 16 bits) · charset · status flags
 *   · capabilities (high 16 bits) · int&lt;1&gt; auth-plugin-data length (0 without CLIENT_PLUGIN_AUTH)
 *   · 6 reserved bytes · 4 bytes: MariaDB extended capabilities when CLIENT_MYSQL is clear, else reserved
 *   · auth-plugin-data part 2: max(13, length - 8) bytes (CLIENT_SECURE_CONNECTION)
 *   · string&lt;NUL&gt; auth plugin name (CLIENT_PLUGIN_AUTH)
 * </pre>
 *
 * @param serverVersion  e.g. {@code 5.5.5-10.11.19-MariaDB} (MariaDB prefixes {@code 5.5.5-} for old clients)
 * @param connectionId   the server thread id, what {@code KILL} names
 * @param scramble       the auth plugin data without its trailing NUL (20 bytes for mysql_native_password)
 * @param capabilities   see {@link Capabilities}; bits 32–63 are MariaDB's extended capabilities
 * @param characterSet   the server's default collation id
 * @param statusFlags    see {@link ServerStatus}
 * @param authPluginName the default auth plugin, null without CLIENT_PLUGIN_AUTH
 */
public record HandshakeV10(String serverVersion, long connectionId, byte[] scramble, long capabilities,
                           int characterSet, int statusFlags, String authPluginName) {

    public static final int PROTOCOL_VERSION = 10;
    private static final int PART1 = 8;
    private static final int MIN_PART2 = 13;

    public HandshakeV10 {
        scramble = scramble.clone();
    }

    @Override
    public byte[] scramble() {
        return scramble.clone();
    }

    /** Whether the server is MariaDB: it clears {@link Capabilities#CLIENT_MYSQL}. */
    public boolean isMariaDb() {
        return !Capabilities.has(capabilities, Capabilities.CLIENT_MYSQL);
    }

    /**
     * Parses a HandshakeV10 payload.
     *
     * @throws CorruptedFrameException when it is not one (an ERR packet from a server refusing the
     *                                 connection included: check {@link ErrPacket#is} first)
     */
    public static HandshakeV10 decode(ByteBuf payload) {
        int protocol = Wire.readUnsignedByte(payload);
        if (protocol != PROTOCOL_VERSION) {
            throw new CorruptedFrameException("handshake protocol version " + protocol + ", expected 10");
        }
        String version = Wire.readNulString(payload);
        long connectionId = Wire.readUnsignedIntLE(payload);
        byte[] part1 = Wire.readBytes(payload, PART1);
        Wire.skip(payload, 1);
        long capabilities = Wire.readUnsignedShortLE(payload);
        if (!payload.isReadable()) {
            return new HandshakeV10(version, connectionId, part1, capabilities, 0, 0, null);
        }
        int charset = Wire.readUnsignedByte(payload);
        int status = Wire.readUnsignedShortLE(payload);
        capabilities |= (long) Wire.readUnsignedShortLE(payload) << 16;
        int authDataLength = Wire.readUnsignedByte(payload);
        Wire.skip(payload, 6);
        long extended = Wire.readUnsignedIntLE(payload);
        if (!Capabilities.has(capabilities, Capabilities.CLIENT_MYSQL)) {
            capabilities |= extended << 32;
        }
        byte[] scramble = part1;
        if (Capabilities.has(capabilities, Capabilities.CLIENT_SECURE_CONNECTION)) {
            int part2Length = Math.max(MIN_PART2, authDataLength - PART1);
            byte[] part2 = Wire.readBytes(payload, Math.min(part2Length, payload.readableBytes()));
            int end = part2.length;
            if (end > 0 && part2[end - 1] == 0) {
                end--;
            }
            scramble = Arrays.copyOf(part1, PART1 + end);
            System.arraycopy(part2, 0, scramble, PART1, end);
        }
        String plugin = Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH) && payload.isReadable()
                ? Wire.readNulOrEofString(payload) : null;
        return new HandshakeV10(version, connectionId, scramble, capabilities, charset, status, plugin);
    }

    /** Writes this handshake as a payload (without packet header). */
    public void encode(ByteBuf out) {
        out.writeByte(PROTOCOL_VERSION);
        Wire.writeNulString(out, serverVersion);
        out.writeIntLE((int) connectionId);
        byte[] data = Arrays.copyOf(scramble, Math.max(scramble.length, PART1));
        out.writeBytes(data, 0, PART1);
        out.writeByte(0);
        out.writeShortLE((int) (capabilities & 0xFFFF));
        out.writeByte(characterSet);
        out.writeShortLE(statusFlags);
        out.writeShortLE((int) ((capabilities >>> 16) & 0xFFFF));
        boolean pluginAuth = Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH);
        out.writeByte(pluginAuth ? data.length + 1 : 0);
        out.writeZero(6);
        if (isMariaDb()) {
            out.writeIntLE((int) Capabilities.extended(capabilities));
        } else {
            out.writeZero(4);
        }
        if (Capabilities.has(capabilities, Capabilities.CLIENT_SECURE_CONNECTION)) {
            int part2 = data.length - PART1;
            out.writeBytes(data, PART1, part2);
            out.writeZero(Math.max(MIN_PART2 - part2, 1));
        }
        if (pluginAuth) {
            Wire.writeNulString(out, authPluginName == null ? "" : authPluginName);
        }
    }
}
