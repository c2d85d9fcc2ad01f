package io.auriga.pg.frontend;

import io.auriga.pg.protocol.PgMessageScanner;
import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;

/**
 * Watches a client's Query and Parse messages for the statements after which a backend session kept
 * for reuse would differ from a new one, and says so before the statement reaches the server:
 * <pre>
 *   DROP | ALTER | CREATE DATABASE  → kept sessions would block it ("is being accessed by other users";
 *                                     CREATE for its template), or (ALTER … SET) they keep the old defaults
 *   ALTER ROLE | USER               → kept sessions keep the old defaults (ALTER … SET)
 * </pre>
 * Only the first keywords of a statement are read, after whitespace and comments; anything else passes
 * to the session's own watcher, if it has one. The monitor catches the same changes made elsewhere
 * ({@code pg_db_role_setting}), a probe interval later.
 */
final class StaleSessionWatcher implements PgMessageScanner.Watcher {
    /** Longest prefix of a statement read; comments longer than this hide it. */
    private static final int PREFIX = 256;

    private final PgMessageScanner.Watcher next;
    private final Consumer<String> stale;

    /**
     * @param next  the session's own watcher, or null
     * @param stale told, with the statement's keywords, before such a statement is sent on
     */
    StaleSessionWatcher(PgMessageScanner.Watcher next, Consumer<String> stale) {
        this.next = next;
        this.stale = stale;
    }

    @Override
    public boolean wants(byte tag) {
        return tag == 'Q' || tag == 'P' || (next != null && next.wants(tag));
    }

    @Override
    public void message(byte tag, ByteBuf body) {
        if (tag == 'Q' || tag == 'P') {
            int start = body.readerIndex();
            if (tag == 'P') {
                // Parse: the statement's name, then its text.
                int nul = body.indexOf(start, body.writerIndex(), (byte) 0);
                start = nul < 0 ? body.writerIndex() : nul + 1;
            }
            String what = changes(body, start);
            if (what != null) {
                stale.accept("a client runs " + what);
            }
        }
        if (next != null && next.wants(tag)) {
            next.message(tag, body);
        }
    }

    @Override
    public void tooLarge(byte tag, int length) {
        if (next != null && next.wants(tag)) {
            next.tooLarge(tag, length);
        }
    }

    /** The statement's keywords when it changes what a new session starts with, else null. */
    static String changes(ByteBuf body, int from) {
        String first = keywords(body, from, Math.min(body.writerIndex(), from + PREFIX));
        if (first.startsWith("DROP DATABASE ") || first.startsWith("ALTER DATABASE ")
                || first.startsWith("CREATE DATABASE ") || first.startsWith("ALTER ROLE ")
                || first.startsWith("ALTER USER ")) {
            return first.trim();
        }
        return null;
    }

    /** The first two words of the text in [from, end), upper case, each followed by one space. */
    private static String keywords(ByteBuf body, int from, int end) {
        StringBuilder words = new StringBuilder(16);
        int i = from;
        int found = 0;
        while (i < end && found < 2) {
            byte b = body.getByte(i);
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f') {
                i++;
            } else if (b == '-' && i + 1 < end && body.getByte(i + 1) == '-') {
                while (i < end && body.getByte(i) != '\n') {
                    i++;
                }
            } else if (b == '/' && i + 1 < end && body.getByte(i + 1) == '*') {
                i = afterComment(body, i + 2, end);
            } else if (letter(b)) {
                if (found == 0 && !mayChangeSessions(b)) {
                    // SELECT, INSERT, BEGIN…: the common case on the relay's path, decided without a copy.
                    return "";
                }
                while (i < end && letter(body.getByte(i))) {
                    words.append(Character.toUpperCase((char) body.getByte(i)));
                    i++;
                }
                words.append(' ');
                found++;
            } else {
                break;
            }
        }
        return words.toString();
    }

    /** Whether a statement starting with {@code b} can be one of DROP, ALTER or CREATE. */
    private static boolean mayChangeSessions(byte b) {
        char c = Character.toUpperCase((char) b);
        return c == 'D' || c == 'A' || c == 'C';
    }

    private static boolean letter(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    /** The index after a block comment whose opening ends before {@code i}; comments nest. */
    private static int afterComment(ByteBuf body, int i, int end) {
        int depth = 1;
        while (i < end && depth > 0) {
            if (body.getByte(i) == '*' && i + 1 < end && body.getByte(i + 1) == '/') {
                depth--;
                i += 2;
            } else if (body.getByte(i) == '/' && i + 1 < end && body.getByte(i + 1) == '*') {
                depth++;
                i += 2;
            } else {
                i++;
            }
        }
        return i;
    }
}
