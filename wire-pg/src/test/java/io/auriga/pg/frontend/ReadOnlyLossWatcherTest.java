package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.PgMessageScanner;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class ReadOnlyLossWatcherTest {
    private final ShutdownNoticeWatcher shutdown = new ShutdownNoticeWatcher();
    private final ReadOnlyLossWatcher loss = new ReadOnlyLossWatcher();
    private final PgMessageScanner scanner = new PgMessageScanner(PgMessageScanner.Watcher.both(shutdown, loss), 4096);

    private void scanByteByByte(ByteBuf stream) {
        while (stream.isReadable()) {
            scanner.scan(stream.readSlice(1));
        }
        stream.release();
    }

    private static ByteBuf status(String name, String value) {
        return PgMessages.parameterStatus(ByteBufAllocator.DEFAULT, name, value);
    }

    @Test
    void aReadOnlyDefaultAndOtherSettingsAreNoLoss() {
        scanByteByByte(Unpooled.wrappedBuffer(status(ReadOnlyLossWatcher.SETTING, "on"),
                status("application_name", "off"), PgMessages.readyForQuery(ByteBufAllocator.DEFAULT, (byte) 'I')));
        assertFalse(loss.lost());
    }

    @Test
    void theServerReportingTheDefaultOffIsALoss() {
        scanByteByByte(Unpooled.wrappedBuffer(status(ReadOnlyLossWatcher.SETTING, "off"),
                PgMessages.readyForQuery(ByteBufAllocator.DEFAULT, (byte) 'I')));
        assertTrue(loss.lost());
    }

    @Test
    void bothWatchersSeeWhatTheyAskFor() {
        scanByteByByte(Unpooled.wrappedBuffer(status(ReadOnlyLossWatcher.SETTING, "off"),
                PgError.fatal(PgError.ADMIN_SHUTDOWN, "terminating connection due to administrator command")
                        .encode(ByteBufAllocator.DEFAULT)));
        assertTrue(loss.lost());
        assertTrue(shutdown.takeSeen());
    }
}
