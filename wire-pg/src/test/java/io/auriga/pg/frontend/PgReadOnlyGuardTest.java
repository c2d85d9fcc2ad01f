package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.auriga.pg.protocol.PgError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PgReadOnlyGuardTest {
    private static final String REFUSAL = PgReadOnlyGuard.refusal("reader");

    private static byte[] message(char tag, String... cstrings) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String s : cstrings) {
            body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        return message(tag, body.toByteArray());
    }

    private static byte[] message(char tag, byte[] body) {
        ByteBuf b = Unpooled.buffer().writeByte(tag).writeInt(4 + body.length).writeBytes(body);
        return ByteBufUtil.getBytes(b);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Feeds the stream one byte at a time and returns everything that came out, in order. */
    private static byte[] relay(byte[] stream, int maxStatement) {
        EmbeddedChannel ch = new EmbeddedChannel(new PgReadOnlyGuard("reader", maxStatement));
        for (byte b : stream) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b = ch.readInbound(); b != null; b = ch.readInbound()) {
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        assertFalse(ch.finish());
        return out.toByteArray();
    }

    @Test
    void passesEverythingThatKeepsReadOnlyUnchanged() {
        byte[] stream = concat(
                message('Q', "SELECT 'read write'; SET default_transaction_read_only = on"),
                message('P', "s1", "SELECT read_write FROM t"),
                message('B', new byte[] {0, 's', '1', 0, 0, 0, 0, 0, 0, 0}),
                message('E', new byte[] {0, 0, 0, 0, 0}),
                message('d', new byte[300]),
                message('S', new byte[0]));
        assertArrayEquals(stream, relay(stream, 1 << 20));
    }

    @Test
    void replacesALiftingStatementInAQueryAndKeepsTheRest() {
        byte[] out = relay(concat(message('Q', "SELECT 1; SET transaction_read_only = off; SELECT 2"),
                message('S', new byte[0])), 1 << 20);
        assertArrayEquals(concat(message('Q', "SELECT 1; " + REFUSAL + "; SELECT 2"), message('S', new byte[0])), out);
    }

    @Test
    void replacesTheStatementOfAParseAndKeepsItsNameAndParameterTypes() {
        byte[] types = {0, 1, 0, 0, 4, 19};
        byte[] parse = concat("named\0BEGIN READ WRITE\0".getBytes(StandardCharsets.UTF_8), types);
        byte[] expected = concat(("named\0" + REFUSAL + "\0").getBytes(StandardCharsets.UTF_8), types);
        assertArrayEquals(message('P', expected), relay(message('P', parse), 1 << 20));
    }

    @Test
    void leavesBytesThatAreNotUtf8AsTheyCame() {
        byte[] latin1 = "SELECT 'caf\u00e9'; BEGIN READ WRITE".getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = relay(message('Q', concat(latin1, new byte[] {0})), 1 << 20);
        byte[] expected = concat("SELECT 'caf\u00e9'; ".getBytes(StandardCharsets.ISO_8859_1),
                REFUSAL.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
        assertArrayEquals(message('Q', expected), out);
    }

    /** FunctionCall of set_config(setting, value, is_local), text arguments. */
    static byte[] setConfigCall(int oid, String setting, String value) {
        ByteBuf body = Unpooled.buffer().writeInt(oid).writeShort(0).writeShort(3);
        for (String arg : new String[] {setting, value, "true"}) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            body.writeInt(bytes.length).writeBytes(bytes);
        }
        body.writeShort(0);
        return message('F', ByteBufUtil.getBytes(body));
    }

    @Test
    void refusesAFunctionCallOfSetConfigThatLiftsReadOnly() {
        byte[] out = relay(setConfigCall(PgReadOnlyGuard.SET_CONFIG_OID, "transaction_read_only", "off"), 1 << 20);
        assertArrayEquals(message('Q', REFUSAL), out);
        byte[] keeps = concat(setConfigCall(PgReadOnlyGuard.SET_CONFIG_OID, "transaction_read_only", "on"),
                setConfigCall(PgReadOnlyGuard.SET_CONFIG_OID, "application_name", "off"),
                setConfigCall(1, "transaction_read_only", "off"));
        assertArrayEquals(keeps, relay(keeps, 1 << 20));
    }

    @Test
    void endsTheSessionOnAStatementTooLongToCheck() {
        EmbeddedChannel ch = new EmbeddedChannel(new PgReadOnlyGuard("reader", 64));
        ch.writeInbound(Unpooled.wrappedBuffer(message('Q', "SELECT '" + "x".repeat(100) + "'")));
        assertNull(ch.readInbound());
        ByteBuf error = ch.readOutbound();
        assertEquals('E', error.readByte());
        error.skipBytes(4);
        assertEquals(PgReadOnlyGuard.PROGRAM_LIMIT_EXCEEDED, PgError.fields(error).get('C'));
        error.release();
        assertFalse(ch.isOpen());
    }
}
