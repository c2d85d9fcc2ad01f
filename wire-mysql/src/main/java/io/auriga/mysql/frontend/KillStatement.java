package io.auriga.mysql.frontend;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code KILL [HARD | SOFT] [CONNECTION | QUERY] id}, as drivers send it to cancel a statement
 * (Connector/J's {@code Statement.cancel()} opens a second connection and sends {@code KILL QUERY id}
 * with the id from the first connection's handshake). {@code KILL QUERY ID n} (a query id) and
 * {@code KILL USER} are not connection ids and are left to the server.
 *
 * @param id    the connection id as the client knows it: the proxy's
 * @param query true to end the running statement only, false to end the connection
 */
record KillStatement(long id, boolean query) {
    private static final Pattern KILL = Pattern.compile(
            "\\s*KILL\\s+(?:(?:HARD|SOFT)\\s+)?(CONNECTION\\s+|QUERY\\s+)?(\\d{1,10})\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);

    static Optional<KillStatement> parse(String sql) {
        Matcher m = KILL.matcher(sql);
        if (!m.matches()) {
            return Optional.empty();
        }
        long id = Long.parseLong(m.group(2));
        if (id > 0xFFFF_FFFFL) {
            return Optional.empty();
        }
        return Optional.of(new KillStatement(id, m.group(1) != null && m.group(1).trim().equalsIgnoreCase("QUERY")));
    }

    /** The same statement for a backend thread. */
    String forThread(long threadId) {
        return (query ? "KILL QUERY " : "KILL CONNECTION ") + threadId;
    }
}
