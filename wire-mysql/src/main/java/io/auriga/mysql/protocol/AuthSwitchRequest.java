package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Protocol::AuthSwitchRequest: 0xFE, string&lt;NUL&gt; plugin name, plugin data to the end of the packet.
 * For mysql_native_password the data is a new 20-byte scramble followed by a NUL, which
 * {@link #scramble()} leaves out.
 *
 * @param pluginName the plugin the client must answer with
 * @param pluginData the plugin data as sent
 */
public record AuthSwitchRequest(String pluginName, byte[] pluginData) {

    public static final int HEADER = 0xFE;

    public AuthSwitchRequest {
        pluginData = pluginData.clone();
    }

    @Override
    public byte[] pluginData() {
        return pluginData.clone();
    }

    /** The plugin data without a trailing NUL. */
    public byte[] scramble() {
        int end = pluginData.length;
        return end > 0 && pluginData[end - 1] == 0 ? Arrays.copyOf(pluginData, end - 1) : pluginData.clone();
    }

    /** Whether {@code payload}, received during authentication, is an AuthSwitchRequest. */
    public static boolean is(ByteBuf payload) {
        return payload.isReadable() && payload.getUnsignedByte(payload.readerIndex()) == HEADER;
    }

    public static AuthSwitchRequest decode(ByteBuf payload) {
        Wire.readUnsignedByte(payload);
        String plugin = Wire.readNulString(payload);
        return new AuthSwitchRequest(plugin, Wire.readBytes(payload, payload.readableBytes()));
    }

    public void encode(ByteBuf out) {
        out.writeByte(HEADER);
        Wire.writeNulString(out, pluginName);
        out.writeBytes(pluginData);
    }
}
