package io.auriga.pg.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds, lexically, the first statement in a piece of SQL that would lift a session's read-only
 * guard: {@code SET [SESSION|LOCAL] default_transaction_read_only|transaction_read_only = off},
 * {@code SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE}, {@code SET TRANSACTION READ WRITE},
 * {@code BEGIN|START TRANSACTION ... READ WRITE}, and {@code set_config('..._read_only', <not on>, ...)}.
 * Statements that keep or set read-only (READ ONLY, {@code = on}, {@code TO DEFAULT}, RESET) pass.
 *
 * <p>It reads SQL as PostgreSQL's scanner does (scan.l): comments ({@code --} and nested
 * {@code /* *}{@code /}), string literals ({@code '...'}, {@code E'...'}), quoted identifiers and
 * dollar quotes are skipped as whole tokens, so {@code 'read write'} or a column named
 * {@code read_write} is not a statement. Whether a backslash escapes a quote in a plain string
 * depends on {@code standard_conforming_strings}, which a client may change: the SQL is read both
 * ways, and a lifting statement found either way counts. Nothing is parsed beyond that: a SET
 * clause inside another statement (an UPDATE of a column of that name) also counts, which costs
 * nothing, since such statements write and fail on a reader anyway.
 */
public final class ReadWriteStatements {
    /** Where a lifting statement lies in the SQL: from its first token to before its semicolon. */
    public record Found(int start, int end) {
    }

    private static final Set<String> READ_ONLY_SETTINGS = Set.of("default_transaction_read_only",
            "transaction_read_only");
    /** Values PostgreSQL's parse_bool reads as true (prefixes of true and yes, on, 1). */
    private static final Set<String> TRUE_VALUES = Set.of("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1");

    private ReadWriteStatements() {
    }

    /** The first statement that lifts read-only, or null when there is none. */
    public static Found find(String sql) {
        Found found = find(sql, false);
        if (found == null && sql.indexOf('\\') >= 0) {
            found = find(sql, true);
        }
        return found;
    }

    private static Found find(String sql, boolean backslashEscapes) {
        List<Token> statement = new ArrayList<>();
        Lexer lexer = new Lexer(sql, backslashEscapes);
        for (Token t = lexer.next(); ; t = lexer.next()) {
            if (t == null || t.is(";")) {
                if (lifts(statement)) {
                    return new Found(statement.get(0).start, statement.get(statement.size() - 1).end);
                }
                if (t == null) {
                    return null;
                }
                statement.clear();
            } else {
                statement.add(t);
            }
        }
    }

    static boolean lifts(List<Token> s) {
        if (s.isEmpty()) {
            return false;
        }
        String first = s.get(0).word();
        if ("begin".equals(first) || "start".equals(first) && s.size() > 1 && "transaction".equals(s.get(1).word())) {
            if (readWrite(s, 1)) {
                return true;
            }
        }
        for (int i = 0; i < s.size(); i++) {
            String w = s.get(i).word();
            if ("set".equals(w) && setLifts(s, i + 1) || "set_config".equals(w) && setConfigLifts(s, i + 1)) {
                return true;
            }
        }
        return false;
    }

    /** After SET: a transaction mode of READ WRITE, or a read-only setting given a value other than true. */
    private static boolean setLifts(List<Token> s, int i) {
        if (i < s.size() && ("session".equals(s.get(i).word()) || "local".equals(s.get(i).word()))) {
            i++;
        }
        if (i >= s.size()) {
            return false;
        }
        String w = s.get(i).word();
        if ("transaction".equals(w) || "characteristics".equals(w)) {
            return readWrite(s, i + 1);
        }
        if (!READ_ONLY_SETTINGS.contains(w) || i + 2 >= s.size()
                || !(s.get(i + 1).is("=") || "to".equals(s.get(i + 1).word()))) {
            return false;
        }
        Token value = s.get(i + 2);
        return !(trueValue(value) || "default".equals(value.word()));
    }

    /** After set_config: {@code ('<read-only setting>', <anything but a true literal>}. */
    private static boolean setConfigLifts(List<Token> s, int i) {
        if (i + 3 >= s.size() || !s.get(i).is("(") || s.get(i + 1).kind != Kind.STRING
                || !READ_ONLY_SETTINGS.contains(s.get(i + 1).text.toLowerCase(Locale.ROOT)) || !s.get(i + 2).is(",")) {
            return false;
        }
        Token value = s.get(i + 3);
        return !(value.kind == Kind.STRING && trueValue(value));
    }

    /**
     * Whether giving {@code setting} this {@code value} (as set_config does; null for a value
     * not known) lifts read-only.
     */
    public static boolean liftsSetting(String setting, String value) {
        return READ_ONLY_SETTINGS.contains(setting.toLowerCase(Locale.ROOT))
                && (value == null || !TRUE_VALUES.contains(value.strip().toLowerCase(Locale.ROOT)));
    }

    private static boolean trueValue(Token t) {
        return t.kind != Kind.PUNCT && TRUE_VALUES.contains(t.text.strip().toLowerCase(Locale.ROOT));
    }

    private static boolean readWrite(List<Token> s, int from) {
        for (int i = from; i + 1 < s.size(); i++) {
            if ("read".equals(s.get(i).word()) && "write".equals(s.get(i + 1).word())) {
                return true;
            }
        }
        return false;
    }

    enum Kind { WORD, QUOTED_IDENTIFIER, STRING, NUMBER, PUNCT }

    /** One token; {@code text} is a word lower-cased, a literal's or quoted identifier's content. */
    record Token(Kind kind, String text, int start, int end) {
        /** The keyword or identifier this token names, or null for literals and punctuation. */
        String word() {
            return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER ? text : null;
        }

        boolean is(String punct) {
            return kind == Kind.PUNCT && text.equals(punct);
        }
    }

    /** PostgreSQL's lexical rules, as far as telling tokens apart needs them. */
    static final class Lexer {
        private final String sql;
        private final boolean backslashEscapes;
        private int at;

        Lexer(String sql, boolean backslashEscapes) {
            this.sql = sql;
            this.backslashEscapes = backslashEscapes;
        }

        /** The next token, or null at the end. */
        Token next() {
            skipSpaceAndComments();
            if (at >= sql.length()) {
                return null;
            }
            int start = at;
            char c = sql.charAt(at);
            if (c == '\'') {
                return string(start, at + 1, backslashEscapes);
            }
            if ((c == 'e' || c == 'E') && peek(1) == '\'') {
                return string(start, at + 2, true);
            }
            if (c == '"') {
                return quotedIdentifier(start);
            }
            if (c == '$' && dollarTag() != null) {
                return dollarQuoted(start);
            }
            if (identifierStart(c)) {
                at++;
                while (at < sql.length() && identifierPart(sql.charAt(at))) {
                    at++;
                }
                return new Token(Kind.WORD, sql.substring(start, at).toLowerCase(Locale.ROOT), start, at);
            }
            if (Character.isDigit(c) || c == '.' && Character.isDigit(peek(1))) {
                while (at < sql.length() && (Character.isLetterOrDigit(sql.charAt(at)) || sql.charAt(at) == '.'
                        || sql.charAt(at) == '_')) {
                    at++;
                }
                return new Token(Kind.NUMBER, sql.substring(start, at), start, at);
            }
            at++;
            return new Token(Kind.PUNCT, String.valueOf(c), start, at);
        }

        private void skipSpaceAndComments() {
            while (at < sql.length()) {
                char c = sql.charAt(at);
                if (Character.isWhitespace(c)) {
                    at++;
                } else if (c == '-' && peek(1) == '-') {
                    while (at < sql.length() && sql.charAt(at) != '\n' && sql.charAt(at) != '\r') {
                        at++;
                    }
                } else if (c == '/' && peek(1) == '*') {
                    blockComment();
                } else {
                    return;
                }
            }
        }

        /** Block comments nest in PostgreSQL. */
        private void blockComment() {
            int depth = 0;
            while (at < sql.length()) {
                if (sql.startsWith("/*", at)) {
                    depth++;
                    at += 2;
                } else if (sql.startsWith("*/", at)) {
                    depth--;
                    at += 2;
                    if (depth == 0) {
                        return;
                    }
                } else {
                    at++;
                }
            }
        }

        private Token string(int start, int contentStart, boolean escapes) {
            StringBuilder content = new StringBuilder();
            at = contentStart;
            while (at < sql.length()) {
                char c = sql.charAt(at);
                if (escapes && c == '\\' && at + 1 < sql.length()) {
                    content.append(sql.charAt(at + 1));
                    at += 2;
                } else if (c == '\'' && peek(1) == '\'') {
                    content.append('\'');
                    at += 2;
                } else if (c == '\'') {
                    at++;
                    return new Token(Kind.STRING, content.toString(), start, at);
                } else {
                    content.append(c);
                    at++;
                }
            }
            return new Token(Kind.STRING, content.toString(), start, at);
        }

        private Token quotedIdentifier(int start) {
            StringBuilder content = new StringBuilder();
            at = start + 1;
            while (at < sql.length()) {
                char c = sql.charAt(at);
                if (c == '"' && peek(1) == '"') {
                    content.append('"');
                    at += 2;
                } else if (c == '"') {
                    at++;
                    break;
                } else {
                    content.append(c);
                    at++;
                }
            }
            return new Token(Kind.QUOTED_IDENTIFIER, content.toString(), start, at);
        }

        /** {@code $tag$} at the current position (tag possibly empty), or null when it is not a dollar quote. */
        private String dollarTag() {
            int i = at + 1;
            if (i < sql.length() && identifierStart(sql.charAt(i))) {
                while (i < sql.length() && identifierPart(sql.charAt(i)) && sql.charAt(i) != '$') {
                    i++;
                }
            }
            return i < sql.length() && sql.charAt(i) == '$' ? sql.substring(at, i + 1) : null;
        }

        private Token dollarQuoted(int start) {
            String tag = dollarTag();
            int close = sql.indexOf(tag, start + tag.length());
            int contentEnd = close < 0 ? sql.length() : close;
            at = close < 0 ? sql.length() : close + tag.length();
            return new Token(Kind.STRING, sql.substring(start + tag.length(), contentEnd), start, at);
        }

        private char peek(int ahead) {
            return at + ahead < sql.length() ? sql.charAt(at + ahead) : 0;
        }

        /** Bytes past ASCII (read as Latin-1) start and continue identifiers, as in scan.l. */
        private static boolean identifierStart(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80;
        }

        private static boolean identifierPart(char c) {
            return identifierStart(c) || c >= '0' && c <= '9' || c == '$';
        }
    }
}
