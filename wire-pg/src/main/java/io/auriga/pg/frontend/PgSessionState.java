package io.auriga.pg.frontend;

import io.auriga.pg.protocol.PgMessageScanner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a session has set up that a fresh backend would lack, read from the client's stream so
 * the session can be moved to another instance: the {@code SET}s it ran (in order) and its named
 * prepared statements (their Parse messages). Some state cannot be carried over — temporary
 * tables, session advisory locks, LISTEN, cursors WITH HOLD, SQL-level PREPARE — and pins the
 * session to its backend; such a session is ended with a clear error rather than resumed without it.
 */
final class PgSessionState implements PgMessageScanner.Watcher {
    /** Statements longer than this are not inspected: the session is pinned instead. */
    static final int WATCH_LIMIT = 64 * 1024;
    /** Bound on the Parse messages kept for one session. */
    private static final int MAX_STATEMENT_BYTES = 1 << 20;

    private final List<String> settings = new ArrayList<>();
    private final Map<String, byte[]> statements = new LinkedHashMap<>();
    private long statementBytes;
    /** Grows with every Parse of a named statement. */
    private long namedParses;
    private String pinned;

    @Override
    public boolean wants(byte tag) {
        return tag == 'Q' || tag == 'P' || tag == 'C';
    }

    @Override
    public void message(byte tag, ByteBuf body) {
        switch (tag) {
            case 'Q' -> statement(cstring(body));
            case 'P' -> parse(body);
            case 'C' -> close(body);
            default -> {
            }
        }
    }

    @Override
    public void tooLarge(byte tag, int length) {
        pin("a statement of " + length + " bytes, too large to inspect");
    }

    private void parse(ByteBuf body) {
        int start = body.readerIndex();
        String name = cstring(body);
        String sql = cstring(body);
        statement(sql);
        if (!name.isEmpty()) {
            namedParses++;
            byte[] whole = new byte[body.writerIndex() - start];
            body.getBytes(start, whole);
            byte[] previous = statements.put(name, whole);
            statementBytes += whole.length - (previous == null ? 0 : previous.length);
            if (statementBytes > MAX_STATEMENT_BYTES) {
                pin("more than " + MAX_STATEMENT_BYTES + " bytes of prepared statements");
            }
        }
    }

    private void close(ByteBuf body) {
        if (body.readableBytes() > 0 && body.readByte() == 'S') {
            byte[] removed = statements.remove(cstring(body));
            if (removed != null) {
                statementBytes -= removed.length;
            }
        }
    }

    /** Classifies one SQL statement by its leading words (and a few markers anywhere in it). */
    void statement(String sql) {
        String s = sql.stripLeading().toUpperCase(Locale.ROOT);
        if (s.startsWith("SET ") && !s.startsWith("SET LOCAL ") && !s.startsWith("SET TRANSACTION ")
                && !s.startsWith("SET SESSION CHARACTERISTICS ")) {
            settings.add(sql);
        } else if (s.startsWith("RESET ALL")) {
            settings.clear();
        } else if (s.startsWith("RESET ")) {
            settings.add(sql);
        } else if (s.startsWith("DISCARD ALL")) {
            settings.clear();
            statements.clear();
            statementBytes = 0;
        } else if (s.startsWith("LISTEN")) {
            pin("LISTEN");
        } else if (s.startsWith("PREPARE ")) {
            pin("a statement prepared with SQL PREPARE");
        } else if (s.startsWith("CREATE TEMP") || s.startsWith("CREATE LOCAL TEMP")
                || s.startsWith("CREATE GLOBAL TEMP")) {
            pin("a temporary table");
        }
        if (s.contains("PG_ADVISORY_LOCK") || s.contains("PG_TRY_ADVISORY_LOCK")) {
            pin("a session advisory lock");
        }
        if (s.contains("WITH HOLD")) {
            pin("a cursor WITH HOLD");
        }
    }

    private void pin(String reason) {
        if (pinned == null) {
            pinned = reason;
        }
    }

    /** Why this session cannot be moved to another backend, or null when it can. */
    String pinned() {
        return pinned;
    }

    /** The SQL text of a named prepared statement, or null. */
    String statementSql(String name) {
        byte[] parse = statements.get(name);
        if (parse == null) {
            return null;
        }
        ByteBuf body = io.netty.buffer.Unpooled.wrappedBuffer(parse);
        cstring(body);
        return cstring(body);
    }

    /** How many named statements the client has prepared so far (Parse messages with a name). */
    long namedParses() {
        return namedParses;
    }

    int settingCount() {
        return settings.size();
    }

    int statementCount() {
        return statements.size();
    }

    /**
     * The messages that rebuild this state on a fresh backend: each {@code SET} as a Query, then
     * every named Parse followed by one Sync. Returns the ReadyForQuery count they earn through
     * {@code readies[0]}.
     */
    ByteBuf replay(ByteBufAllocator alloc, int[] readies) {
        ByteBuf out = alloc.buffer();
        for (String setting : settings) {
            byte[] sql = setting.getBytes(StandardCharsets.UTF_8);
            out.writeByte('Q').writeInt(4 + sql.length + 1).writeBytes(sql).writeByte(0);
        }
        for (byte[] parse : statements.values()) {
            out.writeByte('P').writeInt(4 + parse.length).writeBytes(parse);
        }
        if (!statements.isEmpty()) {
            out.writeByte('S').writeInt(4);
        }
        readies[0] = settings.size() + (statements.isEmpty() ? 0 : 1);
        return out;
    }

    private static String cstring(ByteBuf body) {
        int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        if (end < 0) {
            end = body.writerIndex();
        }
        String s = body.toString(body.readerIndex(), end - body.readerIndex(), StandardCharsets.UTF_8);
        body.readerIndex(Math.min(end + 1, body.writerIndex()));
        return s;
    }
}
