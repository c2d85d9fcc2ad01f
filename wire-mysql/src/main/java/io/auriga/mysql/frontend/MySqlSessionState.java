package io.auriga.mysql.frontend;

import io.auriga.mysql.protocol.Command;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a MySQL session has set up that a fresh backend would lack, read from the client's
 * commands so the session can be moved to another instance:
 * <ul>
 *   <li>the default schema: the HandshakeResponse's, then {@code COM_INIT_DB} and {@code USE db};
 *   <li>the session variables it set — {@code SET [SESSION] var = …}, {@code SET NAMES},
 *       {@code SET CHARACTER SET}, {@code SET autocommit}, {@code SET SESSION TRANSACTION …},
 *       {@code SET @x = literal} — replayed in order, the latest per variable;
 *   <li>{@code COM_SET_OPTION} (multi-statements on or off);
 *   <li>its server-side prepared statements ({@link PreparedStatements}): the SQL and counts, and
 *       the id the client knows each by. The client keeps that id for the whole session;
 *       {@link #backendId} maps it to the id of the backend now serving the session.
 * </ul>
 * Effects are applied when the server answers OK ({@link #completed}), in command order. State a
 * fresh backend cannot be given pins the session (see {@link #pinned()}): temporary tables, named
 * locks ({@code GET_LOCK}), {@code LOCK TABLES}, XA transactions, user variables set from an
 * expression ({@code SELECT … INTO @x}, {@code @x := …}), SQL-level {@code PREPARE}, {@code HANDLER}s,
 * open cursors and long data sent for a statement not yet executed. {@code COM_RESET_CONNECTION}
 * clears all of it but the schema.
 */
final class MySqlSessionState {
    /** Statements longer than this are not read whole; some are taken by their first bytes, others pin. */
    static final int WATCH_LIMIT = 64 * 1024;
    private static final int MAX_STATEMENT_BYTES = 1 << 20;
    private static final int MAX_SETTINGS = 1000;
    private static final int CURSOR_FLAGS = 0x07;
    private static final int SET_OPTION = 0x1B;

    private static final Pattern USER_VARIABLE_ASSIGNED = Pattern.compile("@[A-Z0-9_$.]+\\s*:=|\\bINTO\\s+@");
    private static final Pattern LITERAL = Pattern.compile(
            "(?i)[-+]?(\\d+(\\.\\d*)?|\\.\\d+)(E[-+]?\\d+)?|'(?:[^'\\\\]|\\\\.|'')*'|\"(?:[^\"\\\\]|\\\\.|\"\")*\""
                    + "|NULL|TRUE|FALSE|0X[0-9A-F]+|X'[0-9A-F]*'");
    private static final Pattern TEMPORARY_TABLE = Pattern.compile(
            "^CREATE\\s+(OR\\s+REPLACE\\s+)?TEMPORARY\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?");
    private static final Pattern DROP_TABLE = Pattern.compile(
            "^DROP\\s+(TEMPORARY\\s+)?TABLES?\\s+(IF\\s+EXISTS\\s+)?");
    private static final Pattern LOCK_TABLES = statement(
            "LOCK\\s+TABLES?\\b|FLUSH\\s+TABLES?\\b.*\\bWITH\\s+READ\\s+LOCK\\b");
    private static final Pattern UNLOCK_TABLES = statement("UNLOCK\\s+TABLES?\\b");
    private static final Pattern XA_START = statement("XA\\s+(START|BEGIN)\\b");
    private static final Pattern XA_END = statement("XA\\s+(COMMIT|ROLLBACK)\\b");
    private static final Pattern SQL_PREPARE = statement("PREPARE\\s+(\\S+)\\s+FROM\\b");
    private static final Pattern SQL_DEALLOCATE = statement("(DEALLOCATE|DROP)\\s+PREPARE\\s+(\\S+)");
    private static final Pattern HANDLER_OPEN = statement("HANDLER\\s+\\S+\\s+OPEN\\b");
    private static final Pattern SESSION_TRANSACTION = statement("(SESSION|LOCAL)\\s+TRANSACTION\\b");

    /** What a command will change once the server answers it with OK. */
    private record Pending(int command, Runnable onSuccess, String prepareSql, boolean changesSession,
                           boolean multi) {
    }

    private String schema;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private Integer setOption;
    private final PreparedStatements statements = new PreparedStatements();
    private final Deque<Pending> pending = new ArrayDeque<>();

    private final Set<String> temporaryTables = new HashSet<>();
    private final Set<String> sqlPrepared = new HashSet<>();
    private final Set<Long> cursors = new HashSet<>();
    private final Set<Long> longData = new HashSet<>();
    private boolean namedLocks;
    private boolean tableLocks;
    private boolean xa;
    private boolean handlers;
    private String userVariable;
    private String permanent;

    MySqlSessionState(String schema) {
        this.schema = schema == null || schema.isEmpty() ? null : schema;
    }

    /** How large a command of {@code command} is read whole: statements to classify or prepare. */
    int wholeUpTo(int command) {
        return command == Command.COM_QUERY || command == Command.COM_STMT_PREPARE ? WATCH_LIMIT
                : ClientCommandFramer.SMALL;
    }

    /**
     * A command from the client (sequence id 0), whole or its first bytes. Rewrites the statement id
     * of COM_STMT_* commands in place, from the client's to the backend's.
     *
     * @param length the command's payload length, to tell a whole payload from its first bytes
     */
    void command(ByteBuf payload, int length) {
        if (!payload.isReadable()) {
            return;
        }
        int at = payload.readerIndex();
        int command = payload.getUnsignedByte(at);
        boolean whole = payload.readableBytes() == length;
        switch (command) {
            case Command.COM_QUERY -> query(payload, whole);
            case Command.COM_INIT_DB -> {
                String name = text(payload, at + 1);
                expect(command, () -> schema = name.isEmpty() ? null : name);
            }
            case Command.COM_STMT_PREPARE -> {
                if (!whole) {
                    permanent("a prepared statement of " + length + " bytes, too large to keep");
                    pending.addLast(new Pending(command, null, null, false, false));
                } else {
                    String sql = text(payload, at + 1);
                    Classified c = classify(sql);
                    pending.addLast(new Pending(command, null, sql, c.changesSession, false));
                }
            }
            case Command.COM_STMT_EXECUTE, Command.COM_STMT_BULK_EXECUTE -> {
                long id = statements.rewrite(payload);
                PreparedStatements.Statement s = statements.get(id);
                if (s != null && s.changesSession()) {
                    permanent("a session setting changed by a prepared statement");
                }
                longData.remove(id);
                if (command == Command.COM_STMT_EXECUTE && payload.readableBytes() > 5
                        && (payload.getUnsignedByte(at + 5) & CURSOR_FLAGS) != 0) {
                    cursors.add(id);
                }
                expect(command, null);
            }
            case Command.COM_STMT_FETCH -> {
                statements.rewrite(payload);
                expect(command, null);
            }
            case Command.COM_STMT_RESET -> {
                long id = statements.rewrite(payload);
                cursors.remove(id);
                longData.remove(id);
                expect(command, null);
            }
            case Command.COM_STMT_SEND_LONG_DATA -> longData.add(statements.rewrite(payload));
            case Command.COM_STMT_CLOSE -> {
                long id = statements.rewrite(payload);
                forget(id);
            }
            case Command.COM_RESET_CONNECTION -> expect(command, this::reset);
            case SET_OPTION -> {
                int option = payload.readableBytes() >= 3 ? payload.getUnsignedShortLE(at + 1) : 0;
                expect(command, () -> setOption = option);
            }
            default -> expect(command, null);
        }
    }

    private void expect(int command, Runnable onSuccess) {
        if (Command.response(command) != Command.Response.NONE) {
            pending.addLast(new Pending(command, onSuccess, null, false, false));
        }
    }

    /**
     * Whether the client's command (its statement id not yet rewritten) can be sent to another backend
     * as it is: not an execution that long data sent before it belongs to, since that data went to the
     * backend that was lost.
     */
    boolean resendable(ByteBuf payload) {
        int at = payload.readerIndex();
        int command = payload.getUnsignedByte(at);
        if (command == Command.COM_STMT_EXECUTE || command == Command.COM_STMT_BULK_EXECUTE) {
            return payload.readableBytes() >= 5 && !longData.contains(payload.getUnsignedIntLE(at + 1));
        }
        return true;
    }

    /** The one command awaiting a response was never read by the server; it will be sent again. */
    void forgetUnanswered() {
        pending.clear();
    }

    /** The response to the oldest command awaiting one has ended: apply what it changed if it succeeded. */
    void completed(boolean error) {
        Pending p = pending.pollFirst();
        if (p == null) {
            return;
        }
        if (error && p.multi && p.onSuccess != null) {
            // Some statements of the query may have taken effect: which ones is unknown.
            permanent("a multi-statement query that changed session state and failed part-way");
        }
        if (!error && p.onSuccess != null) {
            p.onSuccess.run();
        }
    }

    /**
     * The backend answered COM_STMT_PREPARE with {@code backendId}: the client will know the
     * statement by the returned id, which is {@code backendId} unless that id already names
     * another of the client's statements (possible once the session has moved).
     */
    long prepared(long backendId, int columns, int params) {
        Pending p = pending.peekFirst();
        String sql = p != null && p.command == Command.COM_STMT_PREPARE ? p.prepareSql : null;
        long clientId = statements.prepared(backendId, sql == null ? "" : sql, columns, params,
                p != null && p.changesSession);
        if (sql == null) {
            permanent("a prepared statement whose text was not kept");
        } else if (statements.sqlBytes() > MAX_STATEMENT_BYTES) {
            permanent("more than " + MAX_STATEMENT_BYTES + " bytes of prepared statements");
        }
        return clientId;
    }

    /** The backend id for a client's statement id. */
    long backendId(long clientId) {
        return statements.backendId(clientId);
    }

    private void forget(long clientId) {
        statements.forget(clientId);
        cursors.remove(clientId);
        longData.remove(clientId);
    }

    private void reset() {
        settings.clear();
        setOption = null;
        statements.clear();
        temporaryTables.clear();
        sqlPrepared.clear();
        cursors.clear();
        longData.clear();
        namedLocks = false;
        tableLocks = false;
        xa = false;
        handlers = false;
        userVariable = null;
    }

    private void query(ByteBuf payload, boolean whole) {
        if (SqlText.plain(payload, payload.readerIndex() + 1, !whole)) {
            pending.addLast(new Pending(Command.COM_QUERY, null, null, false, false));
            return;
        }
        if (!whole) {
            permanent("a statement too large to inspect");
        }
        String sql = text(payload, payload.readerIndex() + 1);
        List<String[]> parts = SqlText.statements(sql);
        List<Runnable> effects = new ArrayList<>();
        for (String[] part : parts) {
            Classified c = classify(part[0], part[1]);
            if (c.effect != null) {
                effects.add(c.effect);
            }
        }
        Runnable onSuccess = effects.isEmpty() ? null : () -> effects.forEach(Runnable::run);
        pending.addLast(new Pending(Command.COM_QUERY, onSuccess, null, false, parts.size() > 1));
    }

    /** What one statement does to the session: pins are taken at once, other changes when it succeeds. */
    private record Classified(Runnable effect, boolean changesSession) {
    }

    private Classified classify(String sql) {
        Classified last = new Classified(null, false);
        boolean changes = false;
        for (String[] part : SqlText.statements(sql)) {
            last = classify(part[0], part[1]);
            changes |= last.changesSession;
        }
        return new Classified(last.effect, changes);
    }

    /** Classifies one statement given as written and masked ({@link SqlText}). */
    private Classified classify(String original, String masked) {
        String s = masked.toUpperCase(Locale.ROOT);
        if (s.contains("GET_LOCK")) {
            namedLocks = true;
        }
        if (word(s, "SET")) {
            return set(original, s);
        }
        if (USER_VARIABLE_ASSIGNED.matcher(s).find()) {
            userVariable = "a user variable set by a query";
        }
        if (s.contains("RELEASE_ALL_LOCKS")) {
            return new Classified(() -> namedLocks = false, false);
        }
        if (word(s, "USE")) {
            String name = SqlText.identifier(original.substring(3));
            return new Classified(() -> schema = name, true);
        }
        Matcher temporary = TEMPORARY_TABLE.matcher(s);
        if (temporary.find()) {
            temporaryTables.add(tableName(original.substring(temporary.end())));
            return new Classified(null, true);
        }
        Matcher drop = DROP_TABLE.matcher(s);
        if (drop.find()) {
            List<String> names = new ArrayList<>();
            for (String t : original.substring(drop.end()).split(",")) {
                names.add(tableName(t));
            }
            return new Classified(() -> names.forEach(temporaryTables::remove), false);
        }
        if (LOCK_TABLES.matcher(s).lookingAt()) {
            tableLocks = true;
            return new Classified(null, true);
        }
        if (UNLOCK_TABLES.matcher(s).lookingAt()) {
            return new Classified(() -> tableLocks = false, false);
        }
        if (XA_START.matcher(s).lookingAt()) {
            xa = true;
            return new Classified(null, true);
        }
        if (XA_END.matcher(s).lookingAt()) {
            return new Classified(() -> xa = false, false);
        }
        Matcher prepare = SQL_PREPARE.matcher(s);
        if (prepare.lookingAt()) {
            sqlPrepared.add(prepare.group(1));
            return new Classified(null, true);
        }
        Matcher deallocate = SQL_DEALLOCATE.matcher(s);
        if (deallocate.lookingAt()) {
            String name = deallocate.group(2);
            return new Classified(() -> sqlPrepared.remove(name), false);
        }
        if (HANDLER_OPEN.matcher(s).lookingAt()) {
            handlers = true;
            return new Classified(null, true);
        }
        return new Classified(null, false);
    }

    private static Pattern statement(String regex) {
        return Pattern.compile(regex, Pattern.DOTALL);
    }

    /** {@code SET ...}: session variables are kept for replay, global ones left alone. */
    private Classified set(String original, String upper) {
        String rest = upper.substring(3).stripLeading();
        int offset = upper.length() - rest.length();
        if (rest.startsWith("GLOBAL ") || rest.startsWith("@@GLOBAL.") || rest.startsWith("PERSIST")
                || rest.startsWith("PASSWORD") || rest.startsWith("STATEMENT ") || rest.startsWith("DEFAULT ROLE")
                || word(rest, "TRANSACTION")) {
            // Not session state, or only the next transaction's (SET TRANSACTION), or one statement's.
            return new Classified(null, false);
        }
        String key;
        if (word(rest, "NAMES") || word(rest, "CHARACTER") || word(rest, "CHARSET")) {
            key = "names";
        } else if (SESSION_TRANSACTION.matcher(rest).lookingAt()) {
            key = "transaction " + (rest.contains("ISOLATION") ? "isolation " : "")
                    + (rest.contains("READ ONLY") || rest.contains("READ WRITE") ? "access" : "");
        } else if (word(rest, "ROLE")) {
            key = "role";
        } else {
            String keyOrNull = assignments(original.substring(offset), rest);
            if (keyOrNull == null) {
                return new Classified(null, true);
            }
            key = keyOrNull;
        }
        String sql = original;
        return new Classified(() -> {
            settings.remove(key);
            settings.put(key, sql);
            if (settings.size() > MAX_SETTINGS) {
                permanent("more than " + MAX_SETTINGS + " distinct session settings");
            }
        }, true);
    }

    /**
     * {@code var = value[, …]}: the variables assigned, as the key of the setting; null when the
     * statement assigns something that cannot be replayed (which pins the session).
     */
    private String assignments(String original, String upper) {
        List<String> names = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= upper.length(); i++) {
            char c = i < upper.length() ? upper.charAt(i) : ',';
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                String name = assignment(original.substring(start, i), upper.substring(start, i));
                if (name == null) {
                    return null;
                }
                names.add(name);
                start = i + 1;
            }
        }
        return String.join(",", names);
    }

    private String assignment(String original, String upper) {
        int eq = upper.indexOf('=');
        if (eq < 0) {
            return "?" + upper.strip();
        }
        int nameEnd = eq > 0 && upper.charAt(eq - 1) == ':' ? eq - 1 : eq;
        String name = upper.substring(0, nameEnd).strip();
        if (name.startsWith("@@GLOBAL.")) {
            permanent("a SET mixing global and session variables");
            return null;
        }
        if (name.startsWith("@") && !name.startsWith("@@")) {
            String value = original.substring(eq + 1).strip();
            if (!LITERAL.matcher(value).matches()) {
                userVariable = "a user variable set from an expression (" + original.substring(0, nameEnd).strip()
                        + ")";
                return null;
            }
            return name;
        }
        return name.replaceFirst("^@@(SESSION\\.|LOCAL\\.)?", "").replaceFirst("^(SESSION|LOCAL)\\s+", "")
                .strip();
    }

    private static boolean word(String s, String word) {
        return s.startsWith(word) && (s.length() == word.length() || !Character.isLetterOrDigit(s.charAt(word.length()))
                && s.charAt(word.length()) != '_');
    }

    private static String tableName(String text) {
        String name = SqlText.identifier(text);
        return name == null ? "" : name.toLowerCase(Locale.ROOT);
    }

    private void permanent(String reason) {
        if (permanent == null) {
            permanent = reason;
        }
    }

    /** Why this session cannot be moved to another backend, or null when it can. */
    String pinned() {
        if (permanent != null) {
            return permanent;
        }
        if (!temporaryTables.isEmpty()) {
            return "a temporary table (" + String.join(", ", new java.util.TreeSet<>(temporaryTables)) + ")";
        }
        if (namedLocks) {
            return "a named lock (GET_LOCK)";
        }
        if (tableLocks) {
            return "table locks (LOCK TABLES)";
        }
        if (xa) {
            return "an XA transaction";
        }
        if (userVariable != null) {
            return userVariable;
        }
        if (!sqlPrepared.isEmpty()) {
            return "a statement prepared with SQL PREPARE";
        }
        if (handlers) {
            return "an open HANDLER";
        }
        if (!cursors.isEmpty()) {
            return "an open cursor";
        }
        if (!longData.isEmpty()) {
            return "long data sent for a statement not yet executed";
        }
        return null;
    }

    String schema() {
        return schema;
    }

    List<String> settings() {
        return List.copyOf(settings.values());
    }

    List<PreparedStatements.Statement> statements() {
        return statements.list();
    }

    /**
     * The commands that rebuild this state on a fresh backend (logged in to {@link #schema()}):
     * each setting as COM_QUERY, COM_SET_OPTION, then COM_STMT_PREPARE for every statement, in
     * the order of {@link #statements()}.
     */
    List<byte[]> replay() {
        List<byte[]> commands = new ArrayList<>();
        for (String setting : settings.values()) {
            commands.add(command(Command.COM_QUERY, setting.getBytes(StandardCharsets.UTF_8)));
        }
        if (setOption != null) {
            commands.add(new byte[] {(byte) SET_OPTION, (byte) (int) setOption, (byte) (setOption >> 8)});
        }
        for (PreparedStatements.Statement s : statements.list()) {
            commands.add(command(Command.COM_STMT_PREPARE, s.sql().getBytes(StandardCharsets.UTF_8)));
        }
        return commands;
    }

    /**
     * The statements were prepared again on a new backend: {@code backendIds} in the order of
     * {@link #statements()}. The client keeps its ids.
     */
    void rebind(List<Long> backendIds) {
        statements.rebind(backendIds);
    }

    private static byte[] command(int command, byte[] body) {
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) command;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    private static String text(ByteBuf payload, int from) {
        return payload.toString(from, payload.writerIndex() - from, StandardCharsets.UTF_8);
    }
}
