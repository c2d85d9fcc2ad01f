package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ERR packets the proxy itself sends carry server error codes: clients read 2000-2999 as their own
 * library's codes, which no server sends (the mariadb client reports such a packet as malformed).
 */
class MySqlErrorsTest {
    private static List<ErrPacket> all() {
        return List.of(MySqlErrors.accessDenied("u", "h", true), MySqlErrors.badHandshake("x"),
                MySqlErrors.packetsOutOfOrder(), MySqlErrors.packetTooLarge("x"),
                MySqlErrors.secureTransportRequired(), MySqlErrors.tokenNeedsTls("u"), MySqlErrors.ed25519NeedsTls("u"),
                MySqlErrors.handshakeTimeout(1), MySqlErrors.cannotConnect("x"), MySqlErrors.cannotReach("x"),
                MySqlErrors.failoverTimeout("x"), MySqlErrors.transactionLostInFailover("x"),
                MySqlErrors.connectionLost("x"), MySqlErrors.unknownThread(1), MySqlErrors.killNotTranslatable(),
                MySqlErrors.unsupportedCommand("x"), MySqlErrors.localInfileRefused("c"));
    }

    @Test
    void noErrorCarriesAClientLibraryCode() {
        for (ErrPacket error : all()) {
            assertFalse(error.errorCode() >= 2000 && error.errorCode() < 3000, error.toString());
            assertEquals(5, error.sqlState().length(), error.toString());
        }
    }

    @Test
    void noInstanceAvailableIsAConnectionRefusedByTheServer() {
        ErrPacket error = MySqlErrors.cannotConnect("no instance available for endpoint writer");
        assertTrue(error.sqlState().startsWith("08"), error.toString());
        ByteBuf out = Unpooled.buffer();
        error.encode(out);
        assertEquals(error, ErrPacket.decode(out));
        assertFalse(out.isReadable());
        out.release();
    }
}
