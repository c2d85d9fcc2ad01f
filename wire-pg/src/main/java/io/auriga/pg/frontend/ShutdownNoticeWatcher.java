package io.auriga.pg.frontend;

import io.auriga.pg.protocol.PgMessageScanner;
import io.netty.buffer.ByteBuf;
import io.auriga.pg.protocol.PgError;
import java.util.Map;

/**
 * Spots the FATAL a backend sends just before it goes away with its server (SQLSTATE 57P01
 * admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now — "terminating connection due to
 * unexpected postmaster exit"). The relay holds such a notice back from an idle session it can
 * move to another instance, so the client never sees an error for a failure it need not know of.
 * Only ErrorResponse bodies are read, and those are rare.
 *
 * <p>One notice tells more: "terminating connection due to unexpected postmaster exit" is raised
 * only where a backend waits to read its client's next message (PostgreSQL's secure_read), so a
 * backend that sends it first has not read, let alone run, what the client sent since its last
 * ReadyForQuery. Matched on the server's English text; any other wording counts as an ordinary
 * shutdown notice, which is the safe reading.
 *
 * <p>Any other FATAL is remembered too ({@link #farewell}): the backend ends the session after it,
 * for a reason the client has been told, and its close is no sign of a failing instance.
 *
 * <p>The ordinary notice, {@code 57P01 terminating connection due to administrator command}, is
 * also what {@code pg_terminate_backend()} sends; such a notice is marked {@link #ambiguous}.
 */
final class ShutdownNoticeWatcher implements PgMessageScanner.Watcher {
    static final String POSTMASTER_EXIT = "terminating connection due to unexpected postmaster exit";

    private boolean seen;
    private boolean unread;
    private boolean ambiguous;
    private String farewell;

    @Override
    public boolean wants(byte tag) {
        return tag == 'E';
    }

    @Override
    public void message(byte tag, ByteBuf body) {
        Map<Character, String> fields = PgError.fields(body);
        String code = fields.get('C');
        seen = "FATAL".equals(fields.get('V')) && code != null && code.startsWith("57P0");
        unread = seen && PgError.ADMIN_SHUTDOWN.equals(code) && POSTMASTER_EXIT.equals(fields.get('M'));
        ambiguous = seen && PgError.ADMIN_SHUTDOWN.equals(code) && !unread;
        farewell = "FATAL".equals(fields.get('V')) && !seen ? code + " " + fields.get('M') : null;
    }

    @Override
    public void tooLarge(byte tag, int length) {
        seen = false;
        unread = false;
        ambiguous = false;
        farewell = null;
    }

    /**
     * The code and message of the last ErrorResponse when it was a FATAL other than a shutdown
     * notice (the backend ends the session itself, for a client's protocol violation say, and the
     * client has been told why), else null.
     */
    String farewell() {
        return farewell;
    }

    /**
     * True when the last shutdown notice was a 57P01 that {@code pg_terminate_backend()} sends too:
     * whether the server is going away must be asked elsewhere ({@link ShutdownProbe}).
     */
    boolean ambiguous() {
        return ambiguous;
    }

    /** True when the last shutdown notice says the backend never read its client's pending messages. */
    boolean unread() {
        return unread;
    }

    /** True when the last ErrorResponse was a shutdown notice; reading it clears it. */
    boolean takeSeen() {
        boolean was = seen;
        seen = false;
        return was;
    }
}
