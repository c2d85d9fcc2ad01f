package io.auriga.mysql.frontend;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code KILL [HARD | SOFT] [CONNECTION | QUERY] id}, as drivers send it to cancel a statement
 * (Connector/J's {@code Statement.cancel()} opens a second connection and sends {@code KILL QUERY id}
 * with the id from the first connection's handshake). {@code KILL QUERY ID n} (a query id), {@code
 * KILL USER} and {@code KILL CONNECTION_ID()} (the backend connection the statement runs on, which is
 * the client's own) name no proxy id and are left to the server.
 *
 * <p>The proxy translates such a KILL only as a query of its own, with a literal id. Anywhere else (one
 * statement of a multi-statement query, an id computed by an expression, a prepared KILL) it cannot
 * put the backend's thread id in its place, so the query is refused ({@link #untranslatable}). A KILL
 * the proxy never sees whole (in a string given to {@code PREPARE}, in a long query) reaches the
 * server unchanged, where a proxy id is never a thread id ({@link ConnectionRegistry}): it fails with
 * 1094 rather than ending an unrelated connection.
 *
 * <p>An id read as a signed 4-byte number, as MariaDB Connector/J reads it (its {@code cancel()} sends
 * {@code KILL QUERY -2147483647}), names the same connection as its unsigned reading.
 *
 * @param id    the connection id as the client knows it: the proxy's
 * @param query true to end the running statement only, false to end the connection
 */
record KillStatement(long id, boolean query) {
    private static final Pattern KILL = Pattern.compile(
            "\\s*KILL\\s+(?:(?:HARD|SOFT)\\s+)?(CONNECTION\\s+|QUERY\\s+)?(-?\\d{1,10})\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);
    /** A statement (masked, see {@link SqlText#mask}) that is a KILL of any kind. */
    private static final Pattern ANY_KILL = Pattern.compile("KILL\\b.*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    /** A KILL that names no proxy connection id. */
    private static final Pattern NO_PROXY_ID = Pattern.compile(
            "KILL\\s+(?:(?:HARD|SOFT)\\s+)?(?:USER\\b.*|QUERY\\s+ID\\b.*|(?:CONNECTION\\s+|QUERY\\s+)?"
                    + "CONNECTION_ID\\s*\\(\\s*\\))",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    static Optional<KillStatement> parse(String sql) {
        Matcher m = KILL.matcher(sql);
        if (!m.matches()) {
            return Optional.empty();
        }
        long id = Long.parseLong(m.group(2));
        if (id < 0 && id >= Integer.MIN_VALUE) {
            // A client that read the handshake's 4-byte id as signed (MariaDB Connector/J) names the
            // upper half, where the proxy's ids are, as negative numbers.
            id += 1L << 32;
        }
        if (id < 0 || id > 0xFFFF_FFFFL) {
            return Optional.empty();
        }
        return Optional.of(new KillStatement(id, m.group(1) != null && m.group(1).trim().equalsIgnoreCase("QUERY")));
    }

    /** The KILL {@code sql} is, when it is one statement naming a connection id the proxy can translate. */
    static Optional<KillStatement> standalone(String sql) {
        if (!mentionsKill(sql)) {
            return Optional.empty();
        }
        List<String[]> statements = SqlText.statements(sql);
        return statements.size() == 1 ? parse(statements.get(0)[0]) : Optional.empty();
    }

    /**
     * Whether {@code sql} holds a KILL that may name a proxy connection id but that the proxy cannot
     * translate: one of several statements, or with an id other than a literal number.
     */
    static boolean untranslatable(String sql) {
        if (!mentionsKill(sql) || standalone(sql).isPresent()) {
            return false;
        }
        for (String[] statement : SqlText.statements(sql)) {
            String masked = statement[1];
            if (ANY_KILL.matcher(masked).matches() && !NO_PROXY_ID.matcher(masked).matches()) {
                return true;
            }
        }
        return false;
    }

    private static boolean mentionsKill(String sql) {
        return sql.toUpperCase(Locale.ROOT).contains("KILL");
    }

    /** The same statement for a backend thread. */
    String forThread(long threadId) {
        return (query ? "KILL QUERY " : "KILL CONNECTION ") + threadId;
    }
}
