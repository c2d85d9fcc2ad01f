package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** COM_CHANGE_USER in each shape the negotiated capabilities give it. */
class ComChangeUserTest {
    private static final long MODERN = Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_SECURE_CONNECTION
            | Capabilities.CLIENT_PLUGIN_AUTH | Capabilities.CLIENT_CONNECT_ATTRS;
    private static final byte[] ANSWER = new byte[20];

    static {
        for (int i = 0; i < ANSWER.length; i++) {
            ANSWER[i] = (byte) (i * 13);
        }
    }

    @Test
    void everyFieldOfAModernClientRoundTrips() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("_client_name", "node-mysql2");
        attributes.put("_pid", "42");
        ComChangeUser sent = new ComChangeUser("bob", ANSWER, "shop", 224, "mysql_native_password", attributes);
        ComChangeUser read = roundTrip(sent, MODERN);
        assertEquals("bob", read.user());
        assertArrayEquals(ANSWER, read.authResponse());
        assertEquals("shop", read.schema());
        assertEquals(224, read.characterSet());
        assertEquals("mysql_native_password", read.authPluginName());
        assertEquals(attributes, read.attributes());
    }

    @Test
    void withoutSecureConnectionTheAnswerIsNulTerminated() {
        ComChangeUser read = roundTrip(new ComChangeUser("bob", "tok".getBytes(StandardCharsets.UTF_8), "", 45,
                null, null), Capabilities.CLIENT_PROTOCOL_41);
        assertEquals("tok", new String(read.authResponse(), StandardCharsets.UTF_8));
        assertEquals("", read.schema());
        assertEquals(45, read.characterSet());
        assertNull(read.authPluginName(), "no plugin without CLIENT_PLUGIN_AUTH");
        assertNull(read.attributes(), "no attributes without CLIENT_CONNECT_ATTRS");
    }

    @Test
    void anOldClientEndsAfterTheSchema() {
        ComChangeUser read = roundTrip(new ComChangeUser("bob", ANSWER, "shop", -1, null, null), MODERN);
        assertEquals(-1, read.characterSet(), "the connection's collation stays");
        assertNull(read.authPluginName());
        assertNull(read.attributes(), "the login's attributes stay");
    }

    @Test
    void truncatedOrForeignPayloadsAreRefused() {
        ByteBuf payload = Unpooled.buffer();
        new ComChangeUser("bob", ANSWER, "shop", 45, "mysql_native_password", Map.of("k", "v")).encode(payload, MODERN);
        ByteBuf cut = payload.slice(0, payload.readableBytes() - 2);
        assertThrows(CorruptedFrameException.class, () -> ComChangeUser.decode(cut, MODERN));
        ByteBuf noNul = Unpooled.wrappedBuffer(new byte[] {0x11, 'b', 'o', 'b'});
        assertThrows(CorruptedFrameException.class, () -> ComChangeUser.decode(noNul, MODERN));
        assertThrows(CorruptedFrameException.class, () -> ComChangeUser.decode(Unpooled.wrappedBuffer(new byte[] {3}),
                MODERN));
        payload.release();
    }

    private static ComChangeUser roundTrip(ComChangeUser sent, long capabilities) {
        ByteBuf payload = Unpooled.buffer();
        try {
            sent.encode(payload, capabilities);
            assertEquals(Command.COM_CHANGE_USER, payload.getUnsignedByte(0));
            ComChangeUser read = ComChangeUser.decode(payload, capabilities);
            assertFalse(payload.isReadable(), "everything consumed");
            return read;
        } finally {
            payload.release();
        }
    }
}
