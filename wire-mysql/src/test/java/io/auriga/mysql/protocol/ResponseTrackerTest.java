package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class ResponseTrackerTest {
    private static final long DEPRECATE = Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_DEPRECATE_EOF;
    private static final long CLASSIC = Capabilities.CLIENT_PROTOCOL_41;

    private static ByteBuf bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return Unpooled.wrappedBuffer(out);
    }

    private static void server(ResponseTracker t, ByteBuf payload) {
        t.serverMessage(payload.readableBytes(), payload);
    }

    private static ByteBuf ok(int status) {
        return bytes(0x00, 0, 0, status & 0xFF, status >> 8, 0, 0);
    }

    private static ByteBuf okEof(int status) {
        return bytes(0xFE, 0, 0, status & 0xFF, status >> 8, 0, 0, 0, 0);
    }

    private static ByteBuf eof(int status) {
        return bytes(0xFE, 0, 0, status & 0xFF, status >> 8);
    }

    private static final ByteBuf COLUMN = bytes(3, 'd', 'e', 'f', 0, 0, 0, 1, 'a', 0, 0x0c, 0x21, 0, 0, 0, 0, 0);
    private static final ByteBuf ROW = bytes(1, '1');

    @Test
    void aResultSetEndsAtTheOkThatReplacesEofAndCarriesTheTransactionState() {
        ResponseTracker t = new ResponseTracker(DEPRECATE);
        assertTrue(t.clientMessage(0, 9, bytes(Command.COM_QUERY, 'S')));
        assertFalse(t.quiet());
        server(t, bytes(2));
        server(t, COLUMN.duplicate());
        server(t, COLUMN.duplicate());
        server(t, ROW.duplicate());
        assertFalse(t.quiet());
        server(t, okEof(ServerStatus.IN_TRANS));
        assertTrue(t.quiet());
        assertTrue(t.inTransaction());
    }

    @Test
    void oneCommandIsUnansweredUntilTheServerSendsAnythingOfItsAnswer() {
        ResponseTracker t = new ResponseTracker(DEPRECATE);
        assertFalse(t.oneUnanswered(), "nothing sent");
        t.clientMessage(0, 9, bytes(Command.COM_QUERY, 'S'));
        assertTrue(t.oneUnanswered());
        server(t, bytes(1));
        assertFalse(t.oneUnanswered(), "the answer has begun");
        server(t, COLUMN.duplicate());
        server(t, okEof(0));
        assertFalse(t.oneUnanswered(), "answered");

        t.clientMessage(0, 9, bytes(Command.COM_STMT_PREPARE, 'S'));
        t.clientMessage(0, 9, bytes(Command.COM_STMT_EXECUTE, 1, 0, 0, 0));
        assertFalse(t.oneUnanswered(), "two in flight: the server may have read the first");
    }

    @Test
    void aCommandNeverReadIsForgottenAndTheSessionIsQuietAgain() {
        ResponseTracker t = new ResponseTracker(DEPRECATE);
        t.clientMessage(0, 9, bytes(Command.COM_QUERY, 'S'));
        t.forgetUnanswered();
        assertTrue(t.quiet());
        assertFalse(t.oneUnanswered());
        t.clientMessage(0, 9, bytes(Command.COM_QUERY, 'S'));
        assertTrue(t.oneUnanswered(), "sent again, it awaits its answer");
        server(t, ok(0));
        assertTrue(t.quiet());
    }

    @Test
    void classicEofsAndMoreResultsKeepTheResponseOpen() {
        ResponseTracker t = new ResponseTracker(CLASSIC);
        t.clientMessage(0, 9, bytes(Command.COM_QUERY, 'S'));
        server(t, bytes(1));
        server(t, COLUMN.duplicate());
        server(t, eof(ServerStatus.AUTOCOMMIT));
        server(t, ROW.duplicate());
        server(t, eof(ServerStatus.AUTOCOMMIT | ServerStatus.MORE_RESULTS_EXISTS));
        assertFalse(t.quiet(), "a second result follows");
        server(t, ok(ServerStatus.AUTOCOMMIT | ServerStatus.MORE_RESULTS_EXISTS));
        assertFalse(t.quiet());
        server(t, bytes(0xFF, 0x26, 0x04, '#', '2', '3', '0', '0', '0', 'x'));
        assertTrue(t.quiet(), "ERR ends the batch");
        assertFalse(t.inTransaction());
    }

    @Test
    void pipelinedPrepareAndExecuteAreFollowedInOrder() {
        ResponseTracker t = new ResponseTracker(CLASSIC);
        t.clientMessage(0, 9, bytes(Command.COM_STMT_PREPARE, 'S'));
        t.clientMessage(0, 9, bytes(Command.COM_STMT_EXECUTE, 0xFF));
        t.clientMessage(0, 5, bytes(Command.COM_STMT_CLOSE, 1, 0, 0, 0));
        // prepare OK: statement 1, 1 column, 2 parameters
        server(t, bytes(0, 1, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0));
        server(t, COLUMN.duplicate());
        server(t, COLUMN.duplicate());
        server(t, eof(2));
        server(t, COLUMN.duplicate());
        assertFalse(t.quiet());
        server(t, eof(2));
        assertFalse(t.quiet(), "the execute's response is still due");
        server(t, ok(ServerStatus.AUTOCOMMIT));
        assertTrue(t.quiet(), "COM_STMT_CLOSE has no response");
    }

    @Test
    void localInfileDataIsNotTakenForCommands() {
        ResponseTracker t = new ResponseTracker(DEPRECATE);
        t.clientMessage(0, 9, bytes(Command.COM_QUERY, 'L'));
        server(t, bytes(0xFB, 'f'));
        assertFalse(t.clientMessage(0, 3, bytes(Command.COM_QUERY, 'x', 'y')), "data, even with sequence id 0");
        assertFalse(t.clientMessage(3, 0, Unpooled.EMPTY_BUFFER));
        assertFalse(t.quiet());
        server(t, ok(ServerStatus.AUTOCOMMIT));
        assertTrue(t.quiet());
    }

    @Test
    void everyResponseReportsItsEndInOrderAndWhetherItFailed() {
        ResponseTracker t = new ResponseTracker(DEPRECATE);
        java.util.List<Boolean> ends = new java.util.ArrayList<>();
        t.onCompletion(ends::add);
        t.clientMessage(0, 4, bytes(Command.COM_QUERY, 'S'));
        t.clientMessage(0, 4, bytes(Command.COM_STMT_PREPARE, 'S'));
        t.clientMessage(0, 5, bytes(Command.COM_STMT_CLOSE, 1, 0, 0, 0));
        t.clientMessage(0, 4, bytes(Command.COM_QUERY, 'X'));
        server(t, ok(ServerStatus.AUTOCOMMIT));
        assertTrue(t.awaitsPrepare(), "the prepare answer is next");
        server(t, bytes(0x00, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0));
        assertFalse(t.awaitsPrepare());
        server(t, COLUMN.duplicate());
        server(t, bytes(0xFF, 0x28, 0x04, '#', '4', '2', '0', '0', '0', 'x'));
        assertTrue(t.quiet());
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(false, false, true), ends,
                "COM_STMT_CLOSE has no answer; the last query failed");
    }

    @Test
    void theStatusCanBeCarriedOverFromAnotherBackend() {
        ResponseTracker t = new ResponseTracker(DEPRECATE);
        t.clientMessage(0, 4, bytes(Command.COM_QUERY, 'B'));
        server(t, ok(ServerStatus.IN_TRANS));
        assertTrue(t.inTransaction());
        t.resetStatus(ServerStatus.AUTOCOMMIT);
        assertFalse(t.inTransaction());
    }
}
