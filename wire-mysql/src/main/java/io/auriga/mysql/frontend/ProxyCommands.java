package io.auriga.mysql.frontend;

import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.MySqlErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands the proxy answers itself instead of relaying, because the backend would
 * misunderstand them:
 * <pre>
 *   COM_QUERY "KILL [QUERY] id" / COM_PROCESS_KILL id
 *        id is the proxy's → KILL [QUERY] thread-id on that session's instance, as this session's
 *        user over a short-lived connection → OK (or the server's ERR)
 *        unknown id        → ERR 1094 "Unknown thread id"
 *   COM_QUERY holding a KILL it cannot translate (in a multi-statement query, with a computed id),
 *   COM_STMT_PREPARE of a KILL naming a connection id
 *                        → ERR 1235: the backend would read the proxy's id as one of its threads
 * </pre>
 * Answers carry sequence id 1, as the reply to a command does.
 */
final class ProxyCommands {
    private static final Logger log = LoggerFactory.getLogger(ProxyCommands.class);

    private final MySqlSession session;

    ProxyCommands(MySqlSession session) {
        this.session = session;
    }

    /** Whether {@code payload}, a whole command, is one the proxy answers. */
    static boolean handles(ByteBuf payload) {
        if (!payload.isReadable()) {
            return false;
        }
        int command = payload.getUnsignedByte(payload.readerIndex());
        return command == Command.COM_PROCESS_KILL && payload.readableBytes() == 5
                || command == Command.COM_QUERY && (kill(payload).isPresent() || untranslatable(payload))
                || command == Command.COM_STMT_PREPARE && preparedKill(payload);
    }

    void handle(ByteBuf payload) {
        int command = payload.getUnsignedByte(payload.readerIndex());
        if (command == Command.COM_PROCESS_KILL) {
            kill(new KillStatement(payload.getUnsignedIntLE(payload.readerIndex() + 1), false));
        } else if (command == Command.COM_QUERY && kill(payload).isPresent()) {
            kill(kill(payload).orElseThrow());
        } else {
            log.info("{}: refused a KILL it cannot translate: {}", session.describe(), text(payload));
            reply(MySqlErrors.killNotTranslatable());
        }
    }

    private static Optional<KillStatement> kill(ByteBuf payload) {
        return mentionsKill(payload) ? KillStatement.standalone(text(payload)) : Optional.empty();
    }

    private static boolean untranslatable(ByteBuf payload) {
        return mentionsKill(payload) && KillStatement.untranslatable(text(payload));
    }

    /** A KILL prepared for later execution cannot have its id translated, whatever it names. */
    private static boolean preparedKill(ByteBuf payload) {
        return mentionsKill(payload) && (KillStatement.standalone(text(payload)).isPresent()
                || KillStatement.untranslatable(text(payload)));
    }

    /** The statement text after the command byte. */
    private static String text(ByteBuf payload) {
        return payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, StandardCharsets.UTF_8);
    }

    /** A cheap look for the letters {@code KILL} in any case, before any lexing. */
    private static boolean mentionsKill(ByteBuf payload) {
        int end = payload.writerIndex() - 3;
        for (int i = payload.readerIndex() + 1; i < end; i++) {
            if ((payload.getByte(i) | 0x20) == 'k' && (payload.getByte(i + 1) | 0x20) == 'i'
                    && (payload.getByte(i + 2) | 0x20) == 'l' && (payload.getByte(i + 3) | 0x20) == 'l') {
                return true;
            }
        }
        return false;
    }

    private void kill(KillStatement kill) {
        Optional<ConnectionRegistry.Target> target = session.registry().target(kill.id());
        if (target.isEmpty()) {
            reply(MySqlErrors.unknownThread(kill.id()));
            return;
        }
        String statement = kill.forThread(target.get().threadId());
        log.info("{}: {} → {} on {}", session.describe(), kill.query() ? "KILL QUERY " + kill.id()
                : "KILL " + kill.id(), statement, target.get().instance().name());
        session.control(target.get(), statement).addListener(f -> {
            if (!f.isSuccess()) {
                reply(MySqlErrors.cannotReach(target.get().instance().name() + ", to run " + statement + ": "
                        + f.cause().getMessage()));
                return;
            }
            ByteBuf answer = Unpooled.wrappedBuffer((byte[]) f.getNow());
            if (ErrPacket.is(answer)) {
                reply(ErrPacket.decode(answer));
            } else {
                ok();
            }
        });
    }

    private void ok() {
        session.replyOk(session.tracker().statusFlags());
    }

    private void reply(ErrPacket error) {
        session.reply(error);
    }
}
