package io.auriga.mysql.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough lexing of MySQL statement text to classify it: a masked copy of the text in which
 * the insides of quoted strings and identifiers and of comments are blanked (so a keyword inside
 * a string literal is never mistaken for one), and the split of a multi-statement query at its
 * top-level semicolons. Executable comments ({@code /*!40101 ... *}{@code /}, {@code /*M! ...})
 * are code to the server, so their contents are kept and only their markers blanked.
 */
final class SqlText {
    private SqlText() {
    }

    /** {@code sql} with string, identifier and comment contents replaced by spaces; same length, same positions. */
    static String mask(String sql) {
        char[] out = sql.toCharArray();
        int n = out.length;
        int i = 0;
        while (i < n) {
            char c = out[i];
            if (c == '\'' || c == '"' || c == '`') {
                i = blankQuoted(out, i, c);
            } else if (c == '/' && i + 1 < n && out[i + 1] == '*') {
                i = comment(out, i);
            } else if (c == '#' || c == '-' && i + 2 < n && out[i + 1] == '-' && Character.isWhitespace(out[i + 2])) {
                while (i < n && out[i] != '\n') {
                    out[i++] = ' ';
                }
            } else {
                i++;
            }
        }
        return new String(out);
    }

    /** Blanks a quoted run after its opening quote at {@code at}; returns the index after the closing quote. */
    private static int blankQuoted(char[] out, int at, char quote) {
        int i = at + 1;
        while (i < out.length) {
            char c = out[i];
            if (c == '\\' && quote != '`' && i + 1 < out.length) {
                out[i++] = ' ';
                out[i++] = ' ';
                continue;
            }
            if (c == quote) {
                if (i + 1 < out.length && out[i + 1] == quote) {
                    out[i++] = ' ';
                    out[i++] = ' ';
                    continue;
                }
                return i + 1;
            }
            out[i++] = ' ';
        }
        return i;
    }

    private static int comment(char[] out, int at) {
        int i = at + 2;
        boolean executable = i < out.length
                && (out[i] == '!' || out[i] == 'M' && i + 1 < out.length && out[i + 1] == '!');
        if (executable) {
            // Keep the code, blank the marker and its version number.
            out[at] = ' ';
            out[at + 1] = ' ';
            while (i < out.length && (out[i] == '!' || out[i] == 'M' || Character.isDigit(out[i]))) {
                out[i++] = ' ';
            }
            return i;
        }
        out[at] = ' ';
        out[at + 1] = ' ';
        while (i < out.length && !(out[i] == '*' && i + 1 < out.length && out[i + 1] == '/')) {
            out[i++] = ' ';
        }
        if (i < out.length) {
            out[i++] = ' ';
            out[i++] = ' ';
        }
        return i;
    }

    /**
     * The statements of a (multi-statement) query, each a pair of its original text and its masked
     * text, trimmed, empty ones left out. The closing marker of an executable comment is blanked.
     */
    static List<String[]> statements(String sql) {
        String masked = closeExecutableComments(mask(sql));
        List<String[]> statements = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= masked.length(); i++) {
            if (i == masked.length() || masked.charAt(i) == ';') {
                String m = masked.substring(start, i);
                int lead = leading(m);
                int trail = m.stripTrailing().length();
                if (lead < trail) {
                    statements.add(new String[] {sql.substring(start + lead, start + trail), m.substring(lead, trail)});
                }
                start = i + 1;
            }
        }
        return statements;
    }

    /** A stray {@code *}{@code /} left by an executable comment is no code. */
    private static String closeExecutableComments(String masked) {
        return masked.replace("*/", "  ");
    }

    private static int leading(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static final String[] WRITES = {"INSERT", "UPDATE", "DELETE", "REPLACE"};
    private static final String[] PLAIN = {"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"};

    /**
     * True when the statement in {@code payload} from {@code from} on certainly leaves the session
     * as it was, judged on the bytes without decoding them (the common case, kept cheap): it starts
     * with SELECT, INSERT, UPDATE, DELETE, REPLACE or WITH, after blanks and plain block comments,
     * and has no {@code @} (user variables), no {@code ;} (more statements) and no "lock"
     * (GET_LOCK) anywhere. ASCII bytes never occur inside a UTF-8 multi-byte character, so the
     * byte scan cannot be fooled by one. Anything else needs the full classification.
     *
     * @param writesOnly accept only INSERT, UPDATE, DELETE and REPLACE (for a statement known by its
     *                   first bytes only: these are the ones that do not end with {@code INTO @var})
     */
    static boolean plain(ByteBuf payload, int from, boolean writesOnly) {
        int end = payload.writerIndex();
        int i = from;
        while (i < end) {
            byte b = payload.getByte(i);
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                i++;
            } else if (b == '/' && i + 2 < end && payload.getByte(i + 1) == '*' && payload.getByte(i + 2) != '!'
                    && payload.getByte(i + 2) != 'M') {
                int close = ByteBufUtil.indexOf(COMMENT_END, payload.slice(i + 2, end - i - 2));
                if (close < 0) {
                    return false;
                }
                i += 2 + close + 2;
            } else {
                break;
            }
        }
        if (!startsWithKeyword(payload, i, end, writesOnly ? WRITES : PLAIN)) {
            return false;
        }
        for (int j = i; j < end; j++) {
            byte b = payload.getByte(j);
            if (b == '@' || b == ';') {
                return false;
            }
            if ((b | 0x20) == 'l' && j + 3 < end && (payload.getByte(j + 1) | 0x20) == 'o'
                    && (payload.getByte(j + 2) | 0x20) == 'c' && (payload.getByte(j + 3) | 0x20) == 'k') {
                return false;
            }
        }
        return true;
    }

    private static final ByteBuf COMMENT_END = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[] {'*', '/'}));

    private static boolean startsWithKeyword(ByteBuf payload, int at, int end, String[] keywords) {
        for (String keyword : keywords) {
            int n = keyword.length();
            if (at + n > end) {
                continue;
            }
            boolean match = true;
            for (int k = 0; k < n && match; k++) {
                match = (payload.getByte(at + k) & 0xDF) == keyword.charAt(k);
            }
            if (match && (at + n == end || !Character.isLetterOrDigit(payload.getByte(at + n))
                    && payload.getByte(at + n) != '_')) {
                return true;
            }
        }
        return false;
    }

    /** An identifier as written ({@code `db`}, {@code db}), without quotes; null when there is none. */
    static String identifier(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return null;
        }
        char q = t.charAt(0);
        if (q == '`' || q == '"') {
            int end = t.indexOf(q, 1);
            StringBuilder name = new StringBuilder();
            int i = 1;
            while (i < t.length()) {
                char c = t.charAt(i);
                if (c == q) {
                    if (i + 1 < t.length() && t.charAt(i + 1) == q) {
                        name.append(q);
                        i += 2;
                        continue;
                    }
                    return name.toString();
                }
                name.append(c);
                i++;
            }
            return end < 0 ? null : name.toString();
        }
        int i = 0;
        while (i < t.length() && !Character.isWhitespace(t.charAt(i)) && t.charAt(i) != ',' && t.charAt(i) != '('
                && t.charAt(i) != ';') {
            i++;
        }
        return t.substring(0, i);
    }
}
