package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The errors the proxy itself sends MySQL clients, with the codes and SQLSTATEs a MariaDB or MySQL
 * server would use for the same situation, in one place.
 */
public final class MySqlErrors {
    private MySqlErrors() {
    }

    /** Wrong password, unknown user, or an account that may not log in; the message is the server's. */
    public static ErrPacket accessDenied(String user, String host, boolean usingPassword) {
        return new ErrPacket(1045, "28000", "Access denied for user '" + user + "'@'" + host + "' (using password: "
                + (usingPassword ? "YES" : "NO") + ")");
    }

    /** A first packet that is no handshake response. */
    public static ErrPacket badHandshake(String detail) {
        return new ErrPacket(1043, "08S01", "Bad handshake" + (detail == null ? "" : ": " + detail));
    }

    public static ErrPacket packetsOutOfOrder() {
        return new ErrPacket(1156, "08S01", "Got packets out of order");
    }

    public static ErrPacket packetTooLarge(String detail) {
        return new ErrPacket(1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes (" + detail + ")");
    }

    /** A compressed packet that cannot be inflated, or not to the length its header names (ER_NET_UNCOMPRESS_ERROR). */
    public static ErrPacket uncompressError(String detail) {
        return new ErrPacket(1157, "08S01", "Couldn't uncompress communication packet: " + detail);
    }

    public static ErrPacket secureTransportRequired() {
        return new ErrPacket(3159, "HY000",
                "Connections using insecure transport are prohibited: this endpoint requires TLS");
    }

    /** A token user on a connection without TLS: refused before the client sends its token in clear. */
    public static ErrPacket tokenNeedsTls(String user) {
        return new ErrPacket(3159, "HY000", "Connections using insecure transport are prohibited: user '" + user
                + "' logs in with a token, which is accepted over TLS only");
    }

    /** As {@link #tokenNeedsTls}: the proxy asks for an ed25519 account's password in clear, so over TLS only. */
    public static ErrPacket ed25519NeedsTls(String user) {
        return new ErrPacket(3159, "HY000", "Connections using insecure transport are prohibited: user '" + user
                + "' has an ed25519 password, which is accepted over TLS only");
    }

    public static ErrPacket handshakeTimeout(long millis) {
        return new ErrPacket(1043, "08S01", "Bad handshake: the connection did not complete authentication within "
                + millis + " ms");
    }

    /**
     * No instance can take the session, or logging in to it failed for a reason the server did not give.
     * ER_CON_COUNT_ERROR's code and SQLSTATE 08004 ("the server rejected the connection"), as a server
     * that cannot take a connection now refuses it: never a client library's 2000-2999 code (2003 "Can't
     * connect"), which clients do not expect from a server and may not even decode (the mariadb client
     * shows 2027 "malformed packet").
     */
    public static ErrPacket cannotConnect(String message) {
        return new ErrPacket(1040, "08004", message);
    }

    /**
     * The proxy could not run a statement on the client's behalf on another instance (the KILL a client
     * sent for a session there): ER_CONNECT_TO_FOREIGN_DATA_SOURCE. The client's own connection is fine,
     * so not an 08 SQLSTATE, which would make its pool drop it.
     */
    public static ErrPacket cannotReach(String message) {
        return new ErrPacket(1429, "HY000", "Unable to connect to foreign data source: " + message);
    }

    /** The failover under way did not finish within the failover timeout. */
    public static ErrPacket failoverTimeout(String message) {
        return new ErrPacket(1927, "08S01", message);
    }

    /**
     * The session's open transaction was lost with its backend in a failover; the session itself
     * continues on the new primary. 1213/40001 is what drivers and frameworks read as "the
     * transaction was rolled back, run it again".
     */
    public static ErrPacket transactionLostInFailover(String message) {
        return new ErrPacket(1213, "40001", message);
    }

    /**
     * The backend connection was lost (or had to be left) and the session cannot go on: a command
     * was in flight, or the session held state that cannot be carried to another instance.
     * 08S01 makes drivers and pools treat the connection as dead.
     */
    public static ErrPacket connectionLost(String message) {
        return new ErrPacket(1927, "08S01", message);
    }

    /** ER_CON_COUNT_ERROR, sent instead of the handshake as the server itself does when it is full. */
    public static ErrPacket tooManyConnections(String message) {
        return new ErrPacket(1040, "08004", "Too many connections: " + message);
    }

    public static ErrPacket unknownThread(long id) {
        return new ErrPacket(1094, "HY000", "Unknown thread id: " + id);
    }

    /**
     * A KILL naming a connection id where the proxy cannot put the backend's thread id in its place
     * (ER_NOT_SUPPORTED_YET): sent on, the server would read the proxy's id as one of its own threads.
     */
    public static ErrPacket killNotTranslatable() {
        return new ErrPacket(1235, "42000", "KILL of a connection id is supported through Auriga only as a query "
                + "of its own with a literal id (not in a multi-statement query, with a computed id or prepared): "
                + "send KILL [QUERY] <id> alone");
    }

    public static ErrPacket unsupportedCommand(String what) {
        return new ErrPacket(1047, "08S01", "Unknown command: " + what + " is not supported through Auriga");
    }

    /** ER_UNKNOWN_COM_ERROR, as MariaDB answers a COM_CHANGE_USER after three failed ones on a connection. */
    public static ErrPacket unknownCommand() {
        return new ErrPacket(1047, "08S01", "Unknown command");
    }

    /** A COM_CHANGE_USER that cannot be read, answered as MariaDB answers it (ER_UNKNOWN_COM_ERROR). */
    public static ErrPacket malformedChangeUser(String detail) {
        return new ErrPacket(1047, "08S01", "Unknown command: malformed COM_CHANGE_USER (" + detail + ")");
    }

    /**
     * A statement that lifts read-only, refused on a reader endpoint (ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION):
     * a replica written to diverges from its primary, whatever the account's privileges.
     */
    public static ErrPacket readOnlyEndpoint(String endpoint) {
        return new ErrPacket(1792, "25006", "Cannot execute statement in a READ ONLY transaction: " + endpoint
                + " is a reader endpoint, where sessions stay read-only (connect to the writer endpoint to write)");
    }

    /**
     * A reader session whose read-only setting the server reported lifted (by dynamic SQL, a procedure, a
     * statement the proxy did not read whole): the session is ended (ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION).
     */
    public static ErrPacket readOnlySessionEnded(String endpoint) {
        return new ErrPacket(1792, "25006", "Cannot execute statement in a READ ONLY transaction: " + endpoint
                + " is a reader endpoint, where sessions stay read-only; the session's read-only setting was lifted, "
                + "so the session is ended (connect to the writer endpoint to write)");
    }

    /** A LOAD DATA LOCAL INFILE request from a server on a cluster that refuses it (ER_NOT_ALLOWED_COMMAND). */
    public static ErrPacket localInfileRefused(String cluster) {
        return new ErrPacket(1148, "42000", "The used command is not allowed: LOAD DATA LOCAL INFILE is disabled "
                + "for cluster " + cluster + " (mysql.local-infile: false); no file was read");
    }

    /** {@code error} framed as one packet with {@code sequenceId}. */
    public static ByteBuf frame(ByteBufAllocator alloc, int sequenceId, ErrPacket error) {
        ByteBuf payload = alloc.buffer();
        try {
            error.encode(payload);
            return MySqlPackets.frame(alloc, sequenceId, payload);
        } finally {
            payload.release();
        }
    }
}
