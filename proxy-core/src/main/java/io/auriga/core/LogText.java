package io.auriga.core;

/**
 * Makes a value a client chose (user name, database, application name, token fields, a request
 * line) safe to put in a log line. A newline in a user name would otherwise end the line and let the
 * rest forge one of its own ({@code ERROR Monitor ... TWO PRIMARIES}) before the client even logged
 * in; other control characters can rewrite a terminal, and a megabyte of name would flood the log.
 *
 * <p>Control characters (C0, DEL, C1, and the Unicode line and paragraph separators) become
 * {@code \n}, {@code \r}, {@code \t} or {@code \\uXXXX}; a backslash is doubled so that an escape
 * cannot be faked; text past {@link #MAX_CHARS} is cut and marked with how much was left out.
 */
public final class LogText {
    /** Longer than any name a database accepts (63 bytes in PostgreSQL, 80 in MariaDB), short enough for a log line. */
    public static final int MAX_CHARS = 256;

    private LogText() {
    }

    /** {@code value} escaped and bounded; {@code null} stays {@code "null"}, as SLF4J would print it. */
    public static String escape(String value) {
        if (value == null) {
            return "null";
        }
        int end = Math.min(value.length(), MAX_CHARS);
        StringBuilder out = null;
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            if (needsEscape(c) || c == '\\') {
                if (out == null) {
                    out = new StringBuilder(end + 16).append(value, 0, i);
                }
                appendEscaped(out, c);
            } else if (out != null) {
                out.append(c);
            }
        }
        if (out == null && end == value.length()) {
            return value;
        }
        if (out == null) {
            out = new StringBuilder(value.substring(0, end));
        }
        if (end < value.length()) {
            out.append("...(").append(value.length() - end).append(" more chars)");
        }
        return out.toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029';
    }

    private static void appendEscaped(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            case '\\' -> out.append("\\\\");
            default -> out.append(String.format("\\u%04x", (int) c));
        }
    }
}
