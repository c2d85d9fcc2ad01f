package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthMoreDataTest {
    private static final Map<String, String> CONNECTOR_J = Map.of("_client_name", "MySQL Connector/J");
    private static final Map<String, String> LIBMYSQL = Map.of("_client_name", "libmysql");

    @Test
    void connectorJBehindAMariaDbVersionGetsTheDataBare() {
        assertEquals(AuthMoreData.Framing.BARE, AuthMoreData.framing("5.5.5-10.11.14-MariaDB-0+deb12u2", CONNECTOR_J));
        assertEquals(AuthMoreData.Framing.STANDARD, AuthMoreData.framing("5.5.5-10.11.14-MariaDB", LIBMYSQL));
        assertNull(AuthMoreData.framing("5.5.5-10.11.14-MariaDB", Map.of()), "an anonymous client cannot be told apart");
    }

    @Test
    void everyClientGetsTheHeaderBehindAModernVersion() {
        assertEquals(AuthMoreData.Framing.STANDARD, AuthMoreData.framing("8.4.3", CONNECTOR_J));
        assertEquals(AuthMoreData.Framing.STANDARD, AuthMoreData.framing("5.5.16-log", CONNECTOR_J));
        assertEquals(AuthMoreData.Framing.STANDARD, AuthMoreData.framing("11.4.2-MariaDB", Map.of()));
    }

    @Test
    void versionsAreReadAsConnectorJReadsThem() {
        assertTrue(AuthMoreData.below5516("5.5.15"));
        assertTrue(AuthMoreData.below5516("5.1.73"));
        assertTrue(AuthMoreData.below5516("4.1.22"));
        assertTrue(AuthMoreData.below5516("not a version"));
        assertFalse(AuthMoreData.below5516("5.6.0"));
        assertFalse(AuthMoreData.below5516("10.6.1-MariaDB"));
    }

    @Test
    void encodesWithOrWithoutTheHeader() {
        ByteBuf out = Unpooled.buffer();
        try {
            AuthMoreData.encode(out, AuthMoreData.Framing.STANDARD, (byte) 3);
            assertArrayEquals(new byte[] {1, 3}, ByteBufUtil.getBytes(out));
            out.clear();
            AuthMoreData.encode(out, AuthMoreData.Framing.BARE, (byte) 4);
            assertArrayEquals(new byte[] {4}, ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }
}
