package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.pg.backend.BackendLoginException;
import io.auriga.pg.protocol.PgError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ShutdownProbeTest {

    @Test
    void aServerThatRefusesNewSessionsAsShuttingDownIsGoingAway() {
        assertTrue(ShutdownProbe.refusedAsGoingAway(refusal(PgError.CANNOT_CONNECT_NOW,
                "the database system is shutting down")));
    }

    @Test
    void aServerThatCannotBeReachedIsGoingAway() {
        assertTrue(ShutdownProbe.refusedAsGoingAway(new BackendLoginException("cannot connect to pg1",
                new ConnectException("Connection refused"))));
    }

    @Test
    void aServerThatRefusesForAnotherReasonStillTakesSessions() {
        assertFalse(ShutdownProbe.refusedAsGoingAway(refusal("53300", "sorry, too many clients already")));
    }

    private static BackendLoginException refusal(String code, String message) {
        ByteBuf encoded = PgError.fatal(code, message).encode(UnpooledByteBufAllocator.DEFAULT);
        try {
            return new BackendLoginException("pg1 refused the login", ByteBufUtil.getBytes(encoded));
        } finally {
            encoded.release();
        }
    }
}
