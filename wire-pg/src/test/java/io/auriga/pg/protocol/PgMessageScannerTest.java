package io.auriga.pg.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class PgMessageScannerTest {

    private static ByteBuf stream() {
        ByteBuf b = Unpooled.buffer();
        b.writeByte('T').writeInt(10).writeBytes(new byte[6]);        // RowDescription (body ignored)
        b.writeByte('D').writeInt(4 + 3).writeBytes(new byte[] {'Z', 'T', 0}); // a 'Z' inside a body
        b.writeByte('C').writeInt(4 + 9).writeBytes("SELECT 1\0".getBytes());
        b.writeByte('Z').writeInt(5).writeByte('T');
        return b;
    }

    @Test
    void findsReadyForQueryStatusAcrossEverySplit() {
        ByteBuf whole = stream();
        for (int chunk = 1; chunk <= whole.readableBytes(); chunk++) {
            PgMessageScanner scanner = new PgMessageScanner();
            ByteBuf copy = whole.duplicate();
            while (copy.isReadable()) {
                ByteBuf part = copy.readSlice(Math.min(chunk, copy.readableBytes()));
                int before = part.readerIndex();
                scanner.scan(part);
                assertEquals(before, part.readerIndex(), "scanning must not consume");
                if (copy.isReadable()) {
                    assertFalse(scanner.readyForQuery());
                }
            }
            assertEquals('T', scanner.lastStatus(), "chunk size " + chunk);
            assertTrue(scanner.readyForQuery());
            assertEquals(4, scanner.messages());
        }
        whole.release();
    }

    @Test
    void anImpossibleLengthMarksTheStreamCorrupt() {
        PgMessageScanner scanner = new PgMessageScanner();
        ByteBuf b = Unpooled.buffer().writeByte('Q').writeInt(2);
        scanner.scan(b);
        assertTrue(scanner.corrupt());
        assertFalse(scanner.atBoundary());
        b.release();
    }
}
