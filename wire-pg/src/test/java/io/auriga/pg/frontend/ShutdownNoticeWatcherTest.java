package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.pg.protocol.PgError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class ShutdownNoticeWatcherTest {

    @Test
    void aPostmasterExitMeansTheBackendNeverReadWhatCameAfter() {
        ShutdownNoticeWatcher watcher = new ShutdownNoticeWatcher();
        see(watcher, PgError.fatal(PgError.ADMIN_SHUTDOWN, ShutdownNoticeWatcher.POSTMASTER_EXIT));
        assertTrue(watcher.unread());
        assertTrue(watcher.takeSeen());
    }

    @Test
    void anAdministratorsShutdownMayComeMidQueryAndIsNotUnread() {
        ShutdownNoticeWatcher watcher = new ShutdownNoticeWatcher();
        see(watcher, PgError.fatal(PgError.ADMIN_SHUTDOWN, "terminating connection due to administrator command"));
        assertFalse(watcher.unread());
        assertTrue(watcher.takeSeen());
    }

    @Test
    void anOrdinaryErrorIsNoNotice() {
        ShutdownNoticeWatcher watcher = new ShutdownNoticeWatcher();
        see(watcher, new PgError("ERROR", "23505", ShutdownNoticeWatcher.POSTMASTER_EXIT, null, null));
        assertFalse(watcher.unread());
        assertFalse(watcher.takeSeen());
    }

    private static void see(ShutdownNoticeWatcher watcher, PgError error) {
        ByteBuf message = error.encode(ByteBufAllocator.DEFAULT);
        try {
            message.skipBytes(5); // tag and length: the watcher gets the body
            watcher.message((byte) 'E', message);
        } finally {
            message.release();
        }
    }
}
