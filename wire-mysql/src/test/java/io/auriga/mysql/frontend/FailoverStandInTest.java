package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.auriga.mysql.frontend.FailoverStandIn.Answer;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class FailoverStandInTest {
    private static final ErrPacket LOST = new ErrPacket(1213, "40001", "lost in a failover");
    private final FailoverStandIn lostTransaction = FailoverStandIn.lostTransaction(LOST);
    private final FailoverStandIn ended = FailoverStandIn.ended(LOST);

    private static ByteBuf query(String sql) {
        return Unpooled.buffer().writeByte(Command.COM_QUERY).writeBytes(sql.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuf command(int command) {
        return Unpooled.buffer().writeByte(command).writeIntLE(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ROLLBACK|OK_ENDS", "rollback work|OK_ENDS", "/* app */ ROLLBACK|OK_ENDS", "ROLLBACK;|OK_ENDS",
        "COMMIT|ERR_ENDS", "commit work|ERR_ENDS", "SET autocommit=1|ERR_ENDS", "set autocommit = ON|ERR_ENDS",
        "SET SESSION autocommit=1|ERR_ENDS",
        "ROLLBACK TO SAVEPOINT s1|ERR", "INSERT INTO t VALUES (1)|ERR", "SELECT 1|ERR", "BEGIN|ERR",
        "START TRANSACTION|ERR", "SET autocommit=0|ERR", "ROLLBACK; INSERT INTO t VALUES (1)|ERR"})
    void aLostTransactionEndsOnlyWithRollbackAndNeverCommits(String sql, Answer expected) {
        ByteBuf q = query(sql);
        assertEquals(expected, lostTransaction.answer(q, true), sql);
    }

    @Test
    void commandsWithoutAnAnswerGoThroughAndPingIsAnswered() {
        assertEquals(Answer.PASS, lostTransaction.answer(command(Command.COM_STMT_CLOSE), true));
        assertEquals(Answer.PASS, lostTransaction.answer(command(Command.COM_STMT_SEND_LONG_DATA), false));
        assertEquals(Answer.PASS, lostTransaction.answer(command(Command.COM_QUIT), true));
        assertEquals(Answer.OK, lostTransaction.answer(command(Command.COM_PING), true));
        assertEquals(Answer.ERR, lostTransaction.answer(command(Command.COM_STMT_EXECUTE), true));
        assertEquals(Answer.ERR, lostTransaction.answer(command(Command.COM_STMT_PREPARE), true));
        assertEquals(Answer.ERR, lostTransaction.answer(command(Command.COM_INIT_DB), true));
    }

    @Test
    void aCommandTooLargeToTakeOutOfTheStreamClosesTheSession() {
        assertEquals(Answer.ERR_CLOSES, lostTransaction.answer(query("INSERT INTO t VALUES "), false));
    }

    @Test
    void anEndedSessionAnswersItsNextCommandWithTheErrorAndCloses() {
        assertEquals(Answer.ERR_CLOSES, ended.answer(query("ROLLBACK"), true));
        assertEquals(Answer.ERR_CLOSES, ended.answer(command(Command.COM_PING), true));
        assertEquals(Answer.DROP, ended.answer(command(Command.COM_STMT_CLOSE), true));
        assertEquals(Answer.CLOSE, ended.answer(command(Command.COM_QUIT), true));
        assertEquals(LOST, ended.error());
    }
}
