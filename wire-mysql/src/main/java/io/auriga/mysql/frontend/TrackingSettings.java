package io.auriga.mysql.frontend;

import io.auriga.mysql.backend.ReadOnlyTracking;
import io.auriga.mysql.protocol.Command;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reader session's query that sets the session's tracking settings, as it goes to the server: every
 * {@code session_track_system_variables} value keeps the variables the read-only backstop needs,
 * and {@code session_track_transaction_info} stays {@code CHARACTERISTICS} (which reports everything
 * {@code STATE} does). Drivers set these at connect (MariaDB Connector/J sets the list to the global
 * one plus its own), which would otherwise switch the backstop off.
 * <pre>
 *   SET autocommit=1, session_track_system_variables = CONCAT(@@global.session_track_system_variables, ',x')
 *   → SET autocommit=1, session_track_system_variables = CONCAT_WS(',', NULLIF((CONCAT(…, ',x')), ''), 'tx_read_only,…')
 * </pre>
 * Called only for a query that is one {@code SET} statement ({@link ReadWriteStatement#changesTracking}).
 */
final class TrackingSettings {
    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(?<![\\w$.@])(?:@@\\s*(?:(?:SESSION|LOCAL)\\s*\\.\\s*)?)?`?"
                    + "(SESSION_TRACK_(?:SYSTEM_VARIABLES|TRANSACTION_INFO))`?\\s*:?=",
            Pattern.CASE_INSENSITIVE);

    private TrackingSettings() {
    }

    /** The COM_QUERY {@code payload} (whole) rewritten by {@link #rewrite(String, boolean)}, in a new buffer. */
    static ByteBuf rewrite(ByteBuf payload, boolean mariaDb, ByteBufAllocator alloc) {
        ByteBuf query = alloc.buffer(payload.readableBytes() + 128).writeByte(Command.COM_QUERY);
        query.writeCharSequence(rewrite(ReadWriteStatement.text(payload), mariaDb), StandardCharsets.UTF_8);
        return query;
    }

    /** {@code sql} with the values of its tracking settings made to keep the backstop on. */
    static String rewrite(String sql, boolean mariaDb) {
        List<String[]> statements = SqlText.statements(sql);
        if (statements.size() != 1) {
            return sql;
        }
        String original = statements.get(0)[0];
        String masked = ReadWriteStatement.identifiersKept(original, statements.get(0)[1]);
        int offset = sql.indexOf(original);
        StringBuilder out = new StringBuilder(sql.length() + 128).append(sql, 0, offset);
        int last = 0;
        Matcher m = ASSIGNMENT.matcher(masked);
        while (m.find()) {
            int valueEnd = valueEnd(masked, m.end());
            String value = original.substring(m.end(), valueEnd).strip();
            String replacement = m.group(1).toLowerCase(Locale.ROOT).endsWith("variables")
                    ? ReadOnlyTracking.trackedVariables(value.equalsIgnoreCase("DEFAULT")
                            ? "@@global.session_track_system_variables" : "(" + value + ")", mariaDb)
                    : ReadOnlyTracking.TRACKED_CHARACTERISTICS;
            out.append(original, last, m.end()).append(' ').append(replacement);
            last = valueEnd;
        }
        return out.append(original, last, original.length()).append(sql, offset + original.length(), sql.length())
                .toString();
    }

    /** Where the value starting at {@code from} ends: at a comma outside parentheses, or at the end. */
    private static int valueEnd(String masked, int from) {
        int depth = 0;
        for (int i = from; i < masked.length(); i++) {
            char c = masked.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return masked.length();
    }
}
