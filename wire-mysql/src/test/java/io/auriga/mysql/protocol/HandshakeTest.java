package io.auriga.mysql.protocol;

import static io.auriga.mysql.protocol.CapturedPackets.CLIENT_AUTH_RESPONSE;
import static io.auriga.mysql.protocol.CapturedPackets.GREETING_SCRAMBLE;
import static io.auriga.mysql.protocol.CapturedPackets.MARIADB_CLIENT_RESPONSE;
import static io.auriga.mysql.protocol.CapturedPackets.MARIADB_GREETING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Handshake v10, HandshakeResponse41 and SSLRequest against packets captured from MariaDB 10.11 and its client. */
class HandshakeTest {

    @Test
    void decodesARealMariaDbGreeting() {
        ByteBuf payload = CapturedPackets.payload(MARIADB_GREETING);
        HandshakeV10 hs = HandshakeV10.decode(payload);
        assertFalse(payload.isReadable(), "everything consumed");
        assertEquals("5.5.5-10.11.19-MariaDB-0+deb12u1", hs.serverVersion());
        assertEquals(10, hs.connectionId());
        assertArrayEquals(HexFormat.of().parseHex(GREETING_SCRAMBLE), hs.scramble());
        assertEquals("mysql_native_password", hs.authPluginName());
        assertTrue(hs.isMariaDb(), "MariaDB clears CLIENT_MYSQL");
        assertTrue(Capabilities.has(hs.capabilities(), Capabilities.CLIENT_PROTOCOL_41
                | Capabilities.CLIENT_PLUGIN_AUTH | Capabilities.CLIENT_SECURE_CONNECTION
                | Capabilities.CLIENT_DEPRECATE_EOF | Capabilities.CLIENT_SESSION_TRACK));
        assertEquals(0x1d, Capabilities.extended(hs.capabilities()), "MariaDB extended capabilities from the filler");
        assertTrue(Capabilities.has(hs.capabilities(), Capabilities.MARIADB_CLIENT_STMT_BULK_OPERATIONS));
        assertEquals(ServerStatus.AUTOCOMMIT, hs.statusFlags());
    }

    @Test
    void encodesTheGreetingBackToTheSameBytes() {
        HandshakeV10 hs = HandshakeV10.decode(CapturedPackets.payload(MARIADB_GREETING));
        ByteBuf out = Unpooled.buffer();
        hs.encode(out);
        assertEquals(MARIADB_GREETING.substring(8), ByteBufUtil.hexDump(out));
        out.release();
    }

    @Test
    void aMySqlGreetingKeepsItsFillerOutOfTheCapabilities() {
        HandshakeV10 mysql = new HandshakeV10("8.0.40", 7, new byte[20],
                Capabilities.CLIENT_MYSQL | Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_SECURE_CONNECTION
                        | Capabilities.CLIENT_PLUGIN_AUTH, 255, 2, "caching_sha2_password");
        ByteBuf out = Unpooled.buffer();
        mysql.encode(out);
        HandshakeV10 back = HandshakeV10.decode(out);
        assertFalse(back.isMariaDb());
        assertEquals(mysql.capabilities(), back.capabilities());
        assertEquals("caching_sha2_password", back.authPluginName());
        assertEquals(20, back.scramble().length);
        out.release();
    }

    @Test
    void decodesARealClientsHandshakeResponse() {
        ByteBuf payload = CapturedPackets.payload(MARIADB_CLIENT_RESPONSE);
        assertFalse(HandshakeResponse41.isSslRequest(payload));
        HandshakeResponse41 r = HandshakeResponse41.decode(payload);
        assertFalse(payload.isReadable(), "everything consumed");
        assertEquals("auriga", r.user());
        assertEquals("auriga", r.database());
        assertEquals("mysql_native_password", r.authPluginName());
        assertArrayEquals(HexFormat.of().parseHex(CLIENT_AUTH_RESPONSE), r.authResponse());
        assertTrue(Capabilities.has(r.capabilities(), Capabilities.CLIENT_CONNECT_WITH_DB
                | Capabilities.CLIENT_PLUGIN_AUTH | Capabilities.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
                | Capabilities.CLIENT_CONNECT_ATTRS));
        assertFalse(Capabilities.has(r.capabilities(), Capabilities.CLIENT_MYSQL));
        assertEquals(0x1d, Capabilities.extended(r.capabilities()));
        assertEquals("mysql", r.attributes().get("program_name"));
        assertEquals("libmariadb", r.attributes().get("_client_name"));
        assertEquals(7, r.attributes().size());
    }

    @Test
    void encodesTheResponseBackToTheSameBytes() {
        HandshakeResponse41 r = HandshakeResponse41.decode(CapturedPackets.payload(MARIADB_CLIENT_RESPONSE));
        ByteBuf out = Unpooled.buffer();
        r.encode(out);
        assertEquals(MARIADB_CLIENT_RESPONSE.substring(8), ByteBufUtil.hexDump(out));
        out.release();
    }

    @Test
    void responseWithoutOptionalPartsRoundTrips() {
        long caps = Capabilities.CLIENT_MYSQL | Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_SECURE_CONNECTION;
        HandshakeResponse41 r = new HandshakeResponse41(caps, 1 << 24, 45, "app", new byte[20], null, null, Map.of());
        ByteBuf out = Unpooled.buffer();
        r.encode(out);
        HandshakeResponse41 back = HandshakeResponse41.decode(out);
        assertEquals("app", back.user());
        assertNull(back.database());
        assertNull(back.authPluginName());
        assertEquals(caps, back.capabilities());
        assertTrue(back.attributes().isEmpty());
        out.release();
    }

    @Test
    void sslRequestIsTheFixedPrefixWithClientSsl() {
        ByteBuf out = Unpooled.buffer();
        long caps = Capabilities.CLIENT_PROTOCOL_41 | Capabilities.MARIADB_CLIENT_STMT_BULK_OPERATIONS;
        HandshakeResponse41.encodeSslRequest(out, caps, 1 << 24, 45);
        assertEquals(HandshakeResponse41.SSL_REQUEST_SIZE, out.readableBytes());
        assertTrue(HandshakeResponse41.isSslRequest(out));
        assertThrows(CorruptedFrameException.class, () -> HandshakeResponse41.decode(out.duplicate()));
        out.release();
        Map<String, String> attrs = new LinkedHashMap<>();
        ByteBuf full = Unpooled.buffer();
        new HandshakeResponse41(caps | Capabilities.CLIENT_SSL, 0, 45, "u", new byte[0], null, null, attrs)
                .encode(full);
        assertFalse(HandshakeResponse41.isSslRequest(full), "a full response is longer than 32 bytes");
        full.release();
    }

    @Test
    void truncatedPacketsAreCorruptNotOutOfBounds() {
        byte[] greeting = HexFormat.of().parseHex(MARIADB_GREETING.substring(8));
        for (int length = 0; length < 40; length++) {
            ByteBuf cut = Unpooled.wrappedBuffer(greeting, 0, length);
            assertThrows(CorruptedFrameException.class, () -> HandshakeV10.decode(cut), "length " + length);
        }
        byte[] response = HexFormat.of().parseHex(MARIADB_CLIENT_RESPONSE.substring(8));
        for (int length = 0; length < 60; length++) {
            ByteBuf cut = Unpooled.wrappedBuffer(response, 0, length);
            assertThrows(CorruptedFrameException.class, () -> HandshakeResponse41.decode(cut), "length " + length);
        }
    }
}
