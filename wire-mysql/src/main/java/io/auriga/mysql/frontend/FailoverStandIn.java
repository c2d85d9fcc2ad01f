package io.auriga.mysql.frontend;

import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Answers a session's commands for the proxy after a failover took something from it, so the
 * client learns of the loss as the answer to its next command (an unsolicited packet would be
 * misread as the answer to whatever it sends next).
 * <pre>
 *   lost transaction (the session moved, its open transaction did not):
 *     ROLLBACK                 → OK                         ⇒ the stand-in steps aside
 *     COMMIT, SET autocommit=1 → ERR (never a lost commit reported as done) ⇒ steps aside
 *     COM_PING                 → OK
 *     COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT → relayed (no answer expected)
 *     anything else            → ERR, the stand-in stays until the client ends the transaction
 *   ended session (its state could not be carried over):
 *     COM_QUIT → closed; COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA → dropped; anything else → ERR, closed
 * </pre>
 * A command too large to be seen whole while a transaction is lost gets the ERR and the session
 * is closed: it cannot be taken out of the stream.
 */
final class FailoverStandIn {
    /** What to do with one command. */
    enum Answer {
        /** Relay it to the backend. */
        PASS,
        /** Answer OK; the transaction is over and the stand-in steps aside. */
        OK_ENDS,
        /** Answer OK, stay. */
        OK,
        /** Answer the ERR, stay. */
        ERR,
        /** Answer the ERR; the transaction is over and the stand-in steps aside. */
        ERR_ENDS,
        /** Answer the ERR and close the session. */
        ERR_CLOSES,
        /** Drop it (it expects no answer). */
        DROP,
        /** Close the session. */
        CLOSE
    }

    private static final Pattern ROLLBACK = Pattern.compile("ROLLBACK(\\s+WORK)?(\\s+(NO\\s+)?RELEASE)?\\s*");
    private static final Pattern COMMIT = Pattern.compile("COMMIT\\b.*", Pattern.DOTALL);
    private static final Pattern AUTOCOMMIT_ON = Pattern.compile(
            "SET\\s+(SESSION\\s+|@@SESSION\\.|@@)?AUTOCOMMIT\\s*:?=\\s*(1|ON|TRUE)\\s*");

    private final ErrPacket error;
    private final boolean endsSession;

    private FailoverStandIn(ErrPacket error, boolean endsSession) {
        this.error = error;
        this.endsSession = endsSession;
    }

    /** For a session that moved without its open transaction. */
    static FailoverStandIn lostTransaction(ErrPacket error) {
        return new FailoverStandIn(error, false);
    }

    /** For a session that could not be moved and ends with {@code error}. */
    static FailoverStandIn ended(ErrPacket error) {
        return new FailoverStandIn(error, true);
    }

    ErrPacket error() {
        return error;
    }

    /**
     * @param payload a command (sequence id 0), whole or its first bytes
     * @param whole   whether {@code payload} is the whole command
     */
    Answer answer(ByteBuf payload, boolean whole) {
        int command = payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
        boolean noAnswer = command == Command.COM_STMT_CLOSE || command == Command.COM_STMT_SEND_LONG_DATA;
        if (endsSession) {
            if (command == Command.COM_QUIT) {
                return Answer.CLOSE;
            }
            return noAnswer ? Answer.DROP : Answer.ERR_CLOSES;
        }
        if (noAnswer || command == Command.COM_QUIT) {
            return Answer.PASS;
        }
        if (!whole) {
            return Answer.ERR_CLOSES;
        }
        if (command == Command.COM_PING) {
            return Answer.OK;
        }
        if (command != Command.COM_QUERY) {
            return Answer.ERR;
        }
        String sql = payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, StandardCharsets.UTF_8);
        var statements = SqlText.statements(sql);
        if (statements.size() != 1) {
            return Answer.ERR;
        }
        String s = statements.get(0)[1].toUpperCase(Locale.ROOT);
        if (ROLLBACK.matcher(s).matches()) {
            return Answer.OK_ENDS;
        }
        if (COMMIT.matcher(s).matches() || AUTOCOMMIT_ON.matcher(s).matches()) {
            return Answer.ERR_ENDS;
        }
        return Answer.ERR;
    }
}
