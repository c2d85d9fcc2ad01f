package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.mysql.protocol.Command;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Which statements a reader endpoint refuses because they lift the session's read-only flag. */
class ReadWriteStatementTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "SET SESSION TRANSACTION READ WRITE",
        "set transaction read write",
        "SET LOCAL TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE",
        "SET GLOBAL TRANSACTION READ WRITE",
        "START TRANSACTION READ WRITE",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT,\n READ  WRITE",
        "SET SESSION transaction_read_only = 0",
        "SET transaction_read_only=OFF",
        "SET tx_read_only=0",
        "SET @@session.transaction_read_only = 0",
        "SET @@SESSION . tx_read_only := 'OFF'",
        "SET @@local.transaction_read_only=false",
        "SET @@transaction_read_only = @was",
        "SET @@session.`transaction_read_only` = 0",
        "SET transaction_read_only = 1 - 1",
        "SET transaction_read_only = 10",
        "SET autocommit = 1, tx_read_only = 0",
        "SET STATEMENT transaction_read_only=0 FOR INSERT INTO t VALUES (1)",
        "SELECT 1; SET SESSION TRANSACTION READ WRITE",
        "SELECT 'a;b'; SET tx_read_only=0; SELECT 2",
        "/*!SET SESSION TRANSACTION READ WRITE*/",
        "/*M!100500 SET tx_read_only = 0 */",
        "/* why */ SET /* not */ SESSION TRANSACTION READ -- now\n WRITE",
        "PREPARE s FROM 'SET SESSION TRANSACTION READ WRITE'",
        "PREPARE s FROM \"SET tx_read_only = 0\"",
        "SET STATEMENT session_track_system_variables='' FOR SELECT 1",
        "SET STATEMENT `session_track_transaction_info`=0 FOR SELECT 1",
        "SET session_track_system_variables = ''; SELECT 1",
        "SELECT 1; SET @@session.session_track_transaction_info = OFF",
        "PREPARE s FROM 'SET session_track_system_variables = \\'\\''",
    })
    void liftingFormsAreRecognised(String sql) {
        assertTrue(ReadWriteStatement.liftsReadOnly(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT @@transaction_read_only",
        "SELECT @@session.tx_read_only, @@read_only",
        "SET SESSION TRANSACTION READ ONLY",
        "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
        "START TRANSACTION READ ONLY",
        "START TRANSACTION",
        "SET SESSION transaction_read_only = 1",
        "SET @@session.tx_read_only=ON, autocommit=0",
        "SET transaction_read_only = 'ON'",
        "SET STATEMENT transaction_read_only=TRUE FOR SELECT 1",
        "SET @tx_read_only = 0",
        "SET @x := @@transaction_read_only",
        "SELECT 'SET SESSION TRANSACTION READ WRITE'",
        "SELECT 'read write' AS mode",
        "INSERT INTO log VALUES ('START TRANSACTION READ WRITE')",
        "SELECT read_write FROM modes",
        "SELECT `read write` FROM modes",
        "UPDATE settings SET tx_read_only = 0",
        "SELECT 1 /* SET tx_read_only = 0 */",
        "SELECT 1 -- SET SESSION TRANSACTION READ WRITE",
        "SET NAMES utf8mb4",
        "PREPARE s FROM 'SELECT ''read write'''",
        "SELECT @@session_track_system_variables",
        "SET @session_track_system_variables = ''",
        "SELECT 'SET session_track_system_variables = 1'",
        "SET NAMES utf8mb4 /* track */",
        "SET session_track_system_variables = ''",
        "SET autocommit=1, session_track_schema=1, session_track_system_variables=CONCAT(@@global.session_track_system_variables, ',x')",
        "set @@SESSION_TRACK_STATE_CHANGE:=1",
    })
    void readingAndKeepingTheFlagAndWordsInTextAreNot(String sql) {
        assertFalse(ReadWriteStatement.liftsReadOnly(sql), sql);
    }

    @Test
    void onlyQueriesAndStatementsToPrepareAreLookedAt() {
        assertTrue(ReadWriteStatement.liftsReadOnly(command(Command.COM_QUERY, "SET tx_read_only=0")));
        assertTrue(ReadWriteStatement.liftsReadOnly(command(Command.COM_STMT_PREPARE, "SET tx_read_only=0")));
        assertFalse(ReadWriteStatement.liftsReadOnly(command(Command.COM_INIT_DB, "SET tx_read_only=0")));
        assertFalse(ReadWriteStatement.liftsReadOnly(command(Command.COM_QUERY, "SELECT 1")));
        assertFalse(ReadWriteStatement.liftsReadOnly(command(Command.COM_QUERY, "SET session_track_system_variables=''")));
        assertTrue(ReadWriteStatement.liftsReadOnly(command(Command.COM_STMT_PREPARE,
                "SET session_track_system_variables=''")));
    }

    @Test
    void queriesChangingTheTrackingSettingsNameTheOneToBeReported() {
        assertEquals("session_track_system_variables", ReadWriteStatement.changesTracking(command(Command.COM_QUERY,
                "SET session_track_transaction_info = STATE, @@SESSION.`Session_Track_System_Variables` = ''")));
        assertEquals("session_track_transaction_info", ReadWriteStatement.changesTracking(command(Command.COM_QUERY,
                "SET autocommit = 1, session_track_transaction_info = OFF")));
        assertNull(ReadWriteStatement.changesTracking(command(Command.COM_QUERY, "SET session_track_schema = 1")));
        assertNull(ReadWriteStatement.changesTracking(command(Command.COM_QUERY,
                "SELECT 'SET session_track_system_variables = 1'")));
        assertNull(ReadWriteStatement.changesTracking(command(Command.COM_INIT_DB,
                "SET session_track_system_variables=''")));
        assertFalse(ReadWriteStatement.liftsReadOnly(Unpooled.EMPTY_BUFFER));
    }

    private static ByteBuf command(int command, String sql) {
        ByteBuf payload = Unpooled.buffer();
        payload.writeByte(command).writeCharSequence(sql, StandardCharsets.UTF_8);
        return payload;
    }
}
