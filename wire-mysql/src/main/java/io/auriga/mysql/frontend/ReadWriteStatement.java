package io.auriga.mysql.frontend;

import io.auriga.mysql.protocol.Command;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statements that lift a session's read-only flag, which a reader endpoint refuses: a replica's
 * {@code read_only} does not stop an account with {@code READ ONLY ADMIN} (in {@code ALL PRIVILEGES}
 * on MariaDB 10.11), so the session flag the proxy sets at login is the guard, and any user may lift
 * it. Recognised, in any statement of a multi-statement query and inside executable comments:
 * <pre>
 *   SET [SESSION | LOCAL | GLOBAL] TRANSACTION ... READ WRITE
 *   START TRANSACTION ... READ WRITE
 *   SET ... [@@[session. | local. | global.]]{transaction_read_only | tx_read_only} {= | :=} value
 *   SET STATEMENT ...transaction_read_only = value... FOR ...
 *   SET STATEMENT ...session_track_system_variables | session_track_transaction_info = ... FOR ...
 *   PREPARE name FROM 'any of these, or SET ...session_track_system_variables = ...'
 *   COM_STMT_PREPARE of any of these, or of SET ...session_track_system_variables = ...
 *   SET ...session_track_system_variables = ...; more   (one of several statements of a query)
 * </pre>
 * where the value is anything but a literal that keeps the flag on ({@code 1}, {@code ON},
 * {@code TRUE}, quoted or not): an expression or a variable could lift it. Reading the flag and
 * keeping it on stay allowed. The two {@code session_track_} settings above make the server report a
 * lifted flag ({@link ReadOnlyBackstop}); a change that drops {@code session_track_system_variables}
 * from its own list goes unreported. A query that is one {@code SET} changing them is let through
 * ({@link #changesTracking}: drivers add variables to the list), and its answer must report the new
 * list; anywhere else, where no answer would follow at once, a change is refused. Judged on the text masked by {@link SqlText}, so words in strings and
 * comments, and identifiers such as {@code read_write}, never count; a backquoted variable name
 * ({@code @@`tx_read_only`}) does.
 */
final class ReadWriteStatement {
    private static final Pattern TRANSACTION_READ_WRITE = Pattern.compile(
            "(?:SET\\s+(?:(?:SESSION|LOCAL|GLOBAL)\\s+)?|START\\s+)TRANSACTION\\b.*\\bREAD\\s+WRITE\\b.*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern SET = Pattern.compile("SET\\b.*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(?<![\\w$.@])(?:@@\\s*(?:(?:SESSION|LOCAL|GLOBAL)\\s*\\.\\s*)?)?`?(?:TRANSACTION_READ_ONLY|TX_READ_ONLY)`?"
                    + "\\s*:?=\\s*",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TRACKING = Pattern.compile(
            "(?<![\\w$.@])(?:@@\\s*(?:(?:SESSION|LOCAL|GLOBAL)\\s*\\.\\s*)?)?`?"
                    + "(SESSION_TRACK_(?:SYSTEM_VARIABLES|TRANSACTION_INFO))`?\\s*:?=",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_STATEMENT = Pattern.compile("SET\\s+STATEMENT\\b.*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern KEEPS_ON = Pattern.compile(
            "(?:1|ON|TRUE|'(?:1|ON|TRUE)'|\"(?:1|ON|TRUE)\")", Pattern.CASE_INSENSITIVE);
    /** What may follow a value that ends an assignment: the next one, {@code FOR} (SET STATEMENT), or nothing. */
    private static final Pattern AFTER_VALUE = Pattern.compile("\\s*(?:,|FOR\\b|$)", Pattern.CASE_INSENSITIVE);
    private static final Pattern PREPARE_FROM = Pattern.compile("PREPARE\\s+\\S+\\s+FROM\\s*(?=['\"])",
            Pattern.CASE_INSENSITIVE);

    private ReadWriteStatement() {
    }

    /** How large a command is read whole on a reader endpoint, so that this check sees all of it. */
    static int wholeUpTo(int command) {
        return command == Command.COM_QUERY || command == Command.COM_STMT_PREPARE ? MySqlSessionState.WATCH_LIMIT
                : ClientCommandFramer.SMALL;
    }

    /** Whether {@code payload}, a whole command, is a COM_QUERY or COM_STMT_PREPARE that lifts read-only. */
    static boolean liftsReadOnly(ByteBuf payload) {
        if (!payload.isReadable()) {
            return false;
        }
        int command = payload.getUnsignedByte(payload.readerIndex());
        return (command == Command.COM_QUERY || command == Command.COM_STMT_PREPARE) && mentionsRead(payload)
                && liftsReadOnly(text(payload), command == Command.COM_STMT_PREPARE);
    }

    /**
     * The setting whose change the answer to {@code payload} must report, when it is a query that
     * {@link #liftsReadOnly(ByteBuf)} let through and that changes {@code session_track_system_variables}
     * (named first when both change) or {@code session_track_transaction_info}; null otherwise.
     */
    static String changesTracking(ByteBuf payload) {
        return payload.isReadable() && payload.getUnsignedByte(payload.readerIndex()) == Command.COM_QUERY
                && mentionsRead(payload) ? changesTracking(text(payload)) : null;
    }

    static String changesTracking(String sql) {
        String changed = null;
        for (String[] statement : SqlText.statements(sql)) {
            String masked = identifiersKept(statement[0], statement[1]);
            if (!SET.matcher(masked).matches()) {
                continue;
            }
            Matcher tracking = TRACKING.matcher(masked);
            while (tracking.find()) {
                String name = tracking.group(1).toLowerCase(Locale.ROOT);
                if (changed == null || name.endsWith("variables")) {
                    changed = name;
                }
            }
        }
        return changed;
    }

    /** The letters {@code read} or {@code trac} in any case, looked for in the bytes before the text is decoded. */
    private static boolean mentionsRead(ByteBuf payload) {
        int end = payload.writerIndex() - 3;
        for (int i = payload.readerIndex() + 1; i < end; i++) {
            int c = payload.getByte(i) | 0x20;
            if (c == 'r' && (payload.getByte(i + 1) | 0x20) == 'e'
                    && (payload.getByte(i + 2) | 0x20) == 'a' && (payload.getByte(i + 3) | 0x20) == 'd'
                    || c == 't' && (payload.getByte(i + 1) | 0x20) == 'r'
                    && (payload.getByte(i + 2) | 0x20) == 'a' && (payload.getByte(i + 3) | 0x20) == 'c') {
                return true;
            }
        }
        return false;
    }

    /** The statement text after the command byte. */
    static String text(ByteBuf payload) {
        return payload.toString(payload.readerIndex() + 1, payload.readableBytes() - 1, StandardCharsets.UTF_8);
    }

    /**
     * A cheap look for {@code READ} / {@code read_only} / {@code session_track_} in any case before any
     * lexing: every form holds {@code read} or {@code trac}.
     */
    static boolean mentionsRead(String sql) {
        String lower = sql.toLowerCase(Locale.ROOT);
        return lower.contains("read") || lower.contains("trac");
    }

    /** Whether {@code sql}, a query, holds a statement that lifts read-only. */
    static boolean liftsReadOnly(String sql) {
        return liftsReadOnly(sql, false);
    }

    /** @param prepared whether {@code sql} is a statement to prepare, run later with no answer the proxy waits for */
    private static boolean liftsReadOnly(String sql, boolean prepared) {
        if (!mentionsRead(sql)) {
            return false;
        }
        List<String[]> statements = SqlText.statements(sql);
        for (String[] statement : statements) {
            if (lifts(statement[0], identifiersKept(statement[0], statement[1]), prepared || statements.size() > 1)) {
                return true;
            }
        }
        return false;
    }

    private static boolean lifts(String original, String masked, boolean noTrackingChange) {
        if (TRANSACTION_READ_WRITE.matcher(masked).matches()) {
            return true;
        }
        Matcher prepare = PREPARE_FROM.matcher(masked);
        if (prepare.lookingAt()) {
            return liftsReadOnly(literal(original.substring(prepare.end())), true);
        }
        if (!SET.matcher(masked).matches()) {
            return false;
        }
        if ((noTrackingChange || SET_STATEMENT.matcher(masked).matches()) && TRACKING.matcher(masked).find()) {
            return true;
        }
        Matcher assignment = ASSIGNMENT.matcher(masked);
        while (assignment.find()) {
            // Masked text keeps positions, so the value is read from the original (a quoted 'ON' is masked).
            Matcher value = KEEPS_ON.matcher(original);
            value.region(assignment.end(), original.length());
            if (!value.lookingAt()) {
                return true;
            }
            Matcher after = AFTER_VALUE.matcher(masked);
            after.region(value.end(), masked.length());
            if (!after.lookingAt()) {
                return true;
            }
        }
        return false;
    }

    /** The text of the string literal {@code quoted} opens with, its doubled quotes and escapes read roughly. */
    private static String literal(String quoted) {
        char quote = quoted.charAt(0);
        StringBuilder text = new StringBuilder();
        for (int i = 1; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length()) {
                text.append(quoted.charAt(++i));
            } else if (c == quote && i + 1 < quoted.length() && quoted.charAt(i + 1) == quote) {
                text.append(quote);
                i++;
            } else if (c == quote) {
                break;
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }

    /** The masked statement with the names inside backquotes put back: a quoted variable name is still the variable. */
    static String identifiersKept(String original, String masked) {
        if (masked.indexOf('`') < 0) {
            return masked;
        }
        char[] out = masked.toCharArray();
        int i = masked.indexOf('`');
        while (i >= 0) {
            int close = masked.indexOf('`', i + 1);
            int end = close < 0 ? out.length : close;
            original.getChars(i + 1, end, out, i + 1);
            i = close < 0 ? -1 : masked.indexOf('`', close + 1);
        }
        return new String(out);
    }
}
