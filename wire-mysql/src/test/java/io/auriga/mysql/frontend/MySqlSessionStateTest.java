package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.mysql.protocol.Command;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MySqlSessionStateTest {
    private final MySqlSessionState state = new MySqlSessionState("app");

    /** Runs {@code sql} as COM_QUERY and has the server answer it with OK (or ERR). */
    private void query(String sql, boolean ok) {
        byte[] body = sql.getBytes(StandardCharsets.UTF_8);
        ByteBuf payload = Unpooled.buffer().writeByte(Command.COM_QUERY).writeBytes(body);
        state.command(payload, payload.readableBytes());
        state.completed(!ok);
    }

    private void query(String sql) {
        query(sql, true);
    }

    @Test
    void theHandshakeSchemaThenInitDbAndUseChooseTheSchema() {
        assertEquals("app", state.schema());
        ByteBuf initDb = Unpooled.buffer().writeByte(Command.COM_INIT_DB).writeBytes("other".getBytes());
        state.command(initDb, initDb.readableBytes());
        state.completed(false);
        assertEquals("other", state.schema());
        query("USE `third db`");
        assertEquals("third db", state.schema());
        query("use fourth");
        assertEquals("fourth", state.schema());
        query("USE missing", false);
        assertEquals("fourth", state.schema(), "a failed USE changes nothing");
        assertNull(state.pinned());
    }

    @Test
    void sessionSettingsAreKeptInOrderTheLatestPerVariable() {
        query("/* mysql-connector-j-8.4.0 */SET autocommit=1");
        query("SET NAMES utf8mb4");
        query("SET sql_mode='STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'");
        query("SET SESSION wait_timeout = 100");
        query("set @@session.wait_timeout = 200");
        query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
        query("SET autocommit=0");
        query("SET CHARACTER SET latin1");
        assertEquals(List.of("SET sql_mode='STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'",
                "set @@session.wait_timeout = 200", "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                "SET autocommit=0", "SET CHARACTER SET latin1"), state.settings());
        assertNull(state.pinned());
    }

    @Test
    void theMariaDbDriversConnectSettingIsOneSetting() {
        query("set autocommit=1, session_track_schema=1, sql_mode = concat(@@sql_mode,',STRICT_TRANS_TABLES')");
        query("set autocommit=0");
        assertEquals(2, state.settings().size());
        assertNull(state.pinned());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET GLOBAL max_connections = 10", "SET @@global.wait_timeout = 5",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET STATEMENT max_statement_time=1 FOR SELECT 1",
            "SET PASSWORD = PASSWORD('x')", "SELECT 1", "INSERT INTO t VALUES ('SET x = 1')"})
    void statementsThatAreNotSessionSettingsAreNotReplayed(String sql) {
        query(sql);
        assertEquals(List.of(), state.settings());
        assertNull(state.pinned());
    }

    @Test
    void failedSettingsAreNotReplayed() {
        query("SET SESSION no_such_variable = 1", false);
        assertEquals(List.of(), state.settings());
    }

    @Test
    void userVariablesSetToLiteralsAreReplayedOthersPin() {
        query("SET @x = 42");
        query("SET @name := 'it''s'");
        assertEquals(List.of("SET @x = 42", "SET @name := 'it''s'"), state.settings());
        assertNull(state.pinned());
        query("SET @now = NOW()");
        assertTrue(state.pinned().contains("@now"), state.pinned());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT id INTO @last FROM t LIMIT 1", "SELECT @n := COUNT(*) FROM t",
            "select 1 into @a"})
    void queriesAssigningUserVariablesPin(String sql) {
        query(sql);
        assertTrue(state.pinned().contains("user variable"), state.pinned());
    }

    @Test
    void temporaryTablesPinUntilDropped() {
        query("CREATE TEMPORARY TABLE IF NOT EXISTS `Scratch` (a INT)");
        query("create temporary table other (b int)");
        assertEquals("a temporary table (other, scratch)", state.pinned());
        query("DROP TEMPORARY TABLE scratch");
        assertEquals("a temporary table (other)", state.pinned());
        query("DROP TABLE IF EXISTS other");
        assertNull(state.pinned());
    }

    @Test
    void aTemporaryTableThatFailedToDropStaysPinned() {
        query("CREATE TEMPORARY TABLE t1 (a INT)");
        query("DROP TEMPORARY TABLE t1", false);
        assertNotNull(state.pinned());
    }

    @Test
    void namedLocksPinUntilAllAreReleased() {
        query("SELECT GET_LOCK('job', 10)");
        assertEquals("a named lock (GET_LOCK)", state.pinned());
        query("SELECT RELEASE_LOCK('job')");
        assertEquals("a named lock (GET_LOCK)", state.pinned(), "which locks remain is not followed");
        query("SELECT RELEASE_ALL_LOCKS()");
        assertNull(state.pinned());
    }

    @Test
    void aLockNameInsideAStringIsNoLock() {
        query("INSERT INTO log VALUES ('GET_LOCK(x) was called')");
        assertNull(state.pinned());
    }

    @Test
    void tableLocksPinUntilUnlocked() {
        query("LOCK TABLES t READ, u WRITE");
        assertEquals("table locks (LOCK TABLES)", state.pinned());
        query("UNLOCK TABLES");
        assertNull(state.pinned());
        query("FLUSH TABLES WITH READ LOCK");
        assertEquals("table locks (LOCK TABLES)", state.pinned());
    }

    @Test
    void xaTransactionsPinUntilCommittedOrRolledBack() {
        query("XA START 'x1'");
        assertEquals("an XA transaction", state.pinned());
        query("XA END 'x1'");
        query("XA PREPARE 'x1'");
        assertEquals("an XA transaction", state.pinned());
        query("XA COMMIT 'x1'");
        assertNull(state.pinned());
    }

    @Test
    void sqlPreparedStatementsAndHandlersPin() {
        query("PREPARE s1 FROM 'SELECT 1'");
        assertEquals("a statement prepared with SQL PREPARE", state.pinned());
        query("DEALLOCATE PREPARE s1");
        assertNull(state.pinned());
        query("HANDLER t OPEN");
        assertEquals("an open HANDLER", state.pinned());
    }

    @Test
    void everyStatementOfAMultiStatementQueryCounts() {
        query("SET @a = 1; CREATE TEMPORARY TABLE t (a INT); USE other");
        assertEquals("other", state.schema());
        assertEquals(List.of("SET @a = 1"), state.settings());
        assertEquals("a temporary table (t)", state.pinned());
    }

    @Test
    void aMultiStatementQueryFailingPartWayPins() {
        query("SET wait_timeout = 5; SELECT * FROM missing", false);
        assertTrue(state.pinned().contains("multi-statement"), state.pinned());
    }

    @Test
    void executableCommentsAreCode() {
        query("/*!40101 SET NAMES utf8mb4 */");
        assertEquals(List.of("SET NAMES utf8mb4"), state.settings());
        query("/* CREATE TEMPORARY TABLE x (a int) */ SELECT 1");
        assertNull(state.pinned());
    }

    @Test
    void resetConnectionForgetsEverythingButTheSchema() {
        query("USE other");
        query("SET wait_timeout = 5");
        query("CREATE TEMPORARY TABLE t (a INT)");
        prepare("SELECT 1", 1, 1, 0);
        ByteBuf reset = Unpooled.buffer().writeByte(Command.COM_RESET_CONNECTION);
        state.command(reset, 1);
        state.completed(false);
        assertNull(state.pinned());
        assertEquals(List.of(), state.settings());
        assertEquals(List.of(), state.statements());
        assertEquals("other", state.schema());
    }

    @Test
    void aLongStatementIsReadWholeUpToTheWatchLimit() {
        assertEquals(MySqlSessionState.WATCH_LIMIT, state.wholeUpTo(Command.COM_QUERY));
        assertEquals(MySqlSessionState.WATCH_LIMIT, state.wholeUpTo(Command.COM_STMT_PREPARE));
        assertEquals(ClientCommandFramer.SMALL, state.wholeUpTo(Command.COM_STMT_EXECUTE));
    }

    @Test
    void beyondTheWatchLimitOnlyPlainWritesAreLetThrough() {
        ByteBuf insert = Unpooled.buffer().writeByte(Command.COM_QUERY)
                .writeBytes("INSERT INTO t VALUES (1)".getBytes());
        state.command(insert, 100_000);
        state.completed(false);
        assertNull(state.pinned());
        ByteBuf select = Unpooled.buffer().writeByte(Command.COM_QUERY).writeBytes("SELECT 1".getBytes());
        state.command(select, 100_000);
        state.completed(false);
        assertEquals("a statement too large to inspect", state.pinned());
    }

    // Prepared statements and their ids.

    /** COM_STMT_PREPARE {@code sql}, answered with {@code backendId}; returns the id the client is given. */
    private long prepare(String sql, long backendId, int columns, int params) {
        ByteBuf payload = Unpooled.buffer().writeByte(Command.COM_STMT_PREPARE).writeBytes(sql.getBytes());
        state.command(payload, payload.readableBytes());
        long clientId = state.prepared(backendId, columns, params);
        state.completed(false);
        return clientId;
    }

    private static ByteBuf stmt(int command, long id, int... extra) {
        ByteBuf b = Unpooled.buffer().writeByte(command).writeIntLE((int) id);
        for (int e : extra) {
            b.writeByte(e);
        }
        return b;
    }

    private long sent(int command, long clientId, int... extra) {
        ByteBuf b = stmt(command, clientId, extra);
        state.command(b, b.readableBytes());
        if (Command.response(command) != Command.Response.NONE) {
            state.completed(false);
        }
        return b.getUnsignedIntLE(1);
    }

    @Test
    void theClientKeepsTheFirstBackendsIdsAndEveryCommandIsMapped() {
        assertEquals(1, prepare("SELECT ?", 1, 1, 1));
        assertEquals(2, prepare("SELECT ?, ?", 2, 2, 2));
        for (int command : new int[] {Command.COM_STMT_EXECUTE, Command.COM_STMT_FETCH, Command.COM_STMT_RESET,
                Command.COM_STMT_SEND_LONG_DATA, Command.COM_STMT_BULK_EXECUTE}) {
            assertEquals(2, sent(command, 2, 0), "command 0x" + Integer.toHexString(command));
        }
        assertEquals(PreparedStatements.UNKNOWN, sent(Command.COM_STMT_EXECUTE, 77, 0), "an id never issued");
        assertEquals(PreparedStatements.LAST_PREPARED, sent(Command.COM_STMT_EXECUTE, PreparedStatements.LAST_PREPARED,
                0), "MariaDB's 'statement just prepared' goes through as it is");
    }

    @Test
    void afterAMoveTheClientsIdsAreRewrittenToTheNewBackends() {
        prepare("SELECT ?", 1, 1, 1);
        prepare("SELECT ?, ?", 2, 2, 2);
        prepare("SELECT 3", 3, 1, 0);
        sent(Command.COM_STMT_CLOSE, 2);
        List<byte[]> replay = state.replay();
        assertEquals(2, replay.size());
        assertEquals("SELECT ?", new String(replay.get(0), 1, replay.get(0).length - 1));
        assertEquals(Command.COM_STMT_PREPARE, replay.get(1)[0]);
        state.rebind(List.of(1L, 2L));

        assertEquals(1, sent(Command.COM_STMT_EXECUTE, 1, 0));
        assertEquals(2, sent(Command.COM_STMT_EXECUTE, 3, 0), "client id 3 is backend id 2 now");
        assertEquals(PreparedStatements.UNKNOWN, sent(Command.COM_STMT_EXECUTE, 2, 0), "2 was closed");
        // The new backend issues 3 next: client id 3 is taken, so the client gets another.
        long next = prepare("SELECT 4", 3, 1, 0);
        assertEquals(4, next);
        assertEquals(3, sent(Command.COM_STMT_EXECUTE, 4, 0));
        assertEquals(2, sent(Command.COM_STMT_CLOSE, 3));
        assertEquals(PreparedStatements.UNKNOWN, sent(Command.COM_STMT_EXECUTE, 3, 0));
    }

    @Test
    void settingsAndTheMultiStatementOptionAreReplayedBeforeStatements() {
        query("SET wait_timeout = 5");
        ByteBuf option = Unpooled.buffer().writeByte(0x1B).writeShortLE(0);
        state.command(option, 3);
        state.completed(false);
        prepare("SELECT 1", 1, 1, 0);
        List<byte[]> replay = state.replay();
        assertEquals(3, replay.size());
        assertEquals(Command.COM_QUERY, replay.get(0)[0]);
        assertEquals(0x1B, replay.get(1)[0]);
        assertEquals(Command.COM_STMT_PREPARE, replay.get(2)[0]);
    }

    @Test
    void cursorsAndPendingLongDataPinUntilReset() {
        long id = prepare("SELECT * FROM t", 1, 3, 0);
        sent(Command.COM_STMT_EXECUTE, id, 1);
        assertEquals("an open cursor", state.pinned());
        sent(Command.COM_STMT_RESET, id);
        assertNull(state.pinned());
        long withBlob = prepare("INSERT INTO t VALUES (?)", 2, 0, 1);
        sent(Command.COM_STMT_SEND_LONG_DATA, withBlob, 0, 0, 1, 2, 3);
        assertEquals("long data sent for a statement not yet executed", state.pinned());
        sent(Command.COM_STMT_EXECUTE, withBlob, 0);
        assertNull(state.pinned());
    }

    @Test
    void anExecutionThatLongDataBelongsToCannotBeSentToAnotherBackend() {
        long plain = prepare("SELECT ?", 1, 1, 1);
        long withBlob = prepare("INSERT INTO t VALUES (?)", 2, 0, 1);
        sent(Command.COM_STMT_SEND_LONG_DATA, withBlob, 0, 0, 1, 2, 3);
        assertFalse(state.resendable(stmt(Command.COM_STMT_EXECUTE, withBlob, 0)), "its long data went to the lost backend");
        assertFalse(state.resendable(stmt(Command.COM_STMT_BULK_EXECUTE, withBlob, 0)));
        assertTrue(state.resendable(stmt(Command.COM_STMT_EXECUTE, plain, 0)));
        assertTrue(state.resendable(Unpooled.buffer().writeByte(Command.COM_QUERY).writeBytes("SELECT 1".getBytes())));
    }

    @Test
    void aCommandNeverReadIsForgottenWithItsPendingEffect() {
        ByteBuf init = Unpooled.buffer().writeByte(Command.COM_INIT_DB).writeBytes("other".getBytes());
        state.command(init, init.readableBytes());
        state.forgetUnanswered();
        state.completed(false); // the answer to the command sent again, with nothing else pending
        assertEquals("app", state.schema(), "only the command sent again takes effect, once it is answered");
    }

    @Test
    void aPreparedSetPinsWhenExecuted() {
        long id = prepare("SET SESSION wait_timeout = ?", 1, 0, 1);
        assertNull(state.pinned());
        sent(Command.COM_STMT_EXECUTE, id, 0);
        assertEquals("a session setting changed by a prepared statement", state.pinned());
    }

    @Test
    void aStatementTooLargeToKeepPins() {
        ByteBuf head = Unpooled.buffer().writeByte(Command.COM_STMT_PREPARE).writeBytes("SELECT ".getBytes());
        state.command(head, 200_000);
        state.prepared(1, 1, 0);
        state.completed(false);
        assertTrue(state.pinned().contains("too large"), state.pinned());
    }
}
