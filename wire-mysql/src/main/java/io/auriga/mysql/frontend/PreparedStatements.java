package io.auriga.mysql.frontend;

import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's server-side prepared statements under the ids the client knows them by, each with
 * the id the backend now serving the session gave it. The client keeps its ids for the whole
 * session; when the session moves, the statements are prepared again and {@link #rebind} maps
 * the client's ids to the new backend's. A client id is the first backend's own id, or the next
 * free one when that is already taken (possible once the session has moved), so there is one code
 * path: every COM_STMT_* command is rewritten through the map, an identity until the first move.
 */
final class PreparedStatements {
    /** The id MariaDB clients use for "the statement just prepared" when they pipeline PREPARE and EXECUTE. */
    static final long LAST_PREPARED = 0xFFFF_FFFFL;
    /** Sent for a client id the proxy does not know: no server issues statement id 0. */
    static final long UNKNOWN = 0;

    /** A prepared statement as the client knows it. */
    record Statement(long clientId, long backendId, String sql, int columns, int params, boolean changesSession) {
        Statement withBackendId(long id) {
            return new Statement(clientId, id, sql, columns, params, changesSession);
        }
    }

    private final Map<Long, Statement> statements = new LinkedHashMap<>();
    private long sqlBytes;
    private long lastPrepared = UNKNOWN;

    /** The backend prepared {@code sql} as {@code backendId}; returns the id the client is to know it by. */
    long prepared(long backendId, String sql, int columns, int params, boolean changesSession) {
        long clientId = backendId;
        while (statements.containsKey(clientId) || clientId == UNKNOWN || clientId == LAST_PREPARED) {
            clientId = (clientId + 1) & LAST_PREPARED;
        }
        statements.put(clientId, new Statement(clientId, backendId, sql, columns, params, changesSession));
        lastPrepared = clientId;
        sqlBytes += sql.length();
        return clientId;
    }

    /** The backend id for a client's statement id (unknown ids map to {@value #UNKNOWN}, which no server issued). */
    long backendId(long clientId) {
        if (clientId == LAST_PREPARED) {
            return LAST_PREPARED;
        }
        Statement s = statements.get(clientId);
        return s == null ? UNKNOWN : s.backendId;
    }

    /**
     * Rewrites the statement id after the command byte of a COM_STMT_* payload in place; returns the
     * client's id ("last prepared" resolved), or {@value #UNKNOWN} when the payload is too short.
     */
    long rewrite(ByteBuf payload) {
        if (payload.readableBytes() < 5) {
            return UNKNOWN;
        }
        int at = payload.readerIndex() + 1;
        long clientId = payload.getUnsignedIntLE(at);
        long backendId = backendId(clientId);
        if (backendId != clientId) {
            payload.setIntLE(at, (int) backendId);
        }
        return clientId == LAST_PREPARED ? lastPrepared : clientId;
    }

    Statement get(long clientId) {
        return statements.get(clientId);
    }

    void forget(long clientId) {
        Statement s = statements.remove(clientId);
        if (s != null) {
            sqlBytes -= s.sql.length();
        }
    }

    void clear() {
        statements.clear();
        sqlBytes = 0;
    }

    /** The characters of SQL kept. */
    long sqlBytes() {
        return sqlBytes;
    }

    /** The statements in the order they were prepared. */
    List<Statement> list() {
        return List.copyOf(statements.values());
    }

    /** The statements were prepared again on a new backend: {@code backendIds} in the order of {@link #list()}. */
    void rebind(List<Long> backendIds) {
        if (backendIds.size() != statements.size()) {
            throw new IllegalArgumentException(backendIds.size() + " ids for " + statements.size() + " statements");
        }
        int i = 0;
        for (Map.Entry<Long, Statement> e : statements.entrySet()) {
            e.setValue(e.getValue().withBackendId(backendIds.get(i++)));
        }
    }
}
