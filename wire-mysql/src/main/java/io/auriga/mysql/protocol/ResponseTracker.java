package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Knows where a relayed MySQL session stands: which commands await their responses and where
 * each response ends, and the status flags of the last OK or EOF (transaction state). Fed the
 * first bytes of every message by {@link MySqlPacketScanner}s on both directions; never sees bodies.
 *
 * <pre>
 *   RESULT   → OK [MORE_RESULTS → RESULT] | ERR | 0xFB → INFILE_DATA (client) → RESULT
 *            | column count n → COLUMNS(n) [→ COLUMNS_EOF] → ROWS → EOF/OK [MORE_RESULTS → RESULT]
 *   PREPARE  → ERR | OK(columns c, params p) → PARAMS(p) [EOF] → COLUMNS(c) [EOF]
 *   ROWS     → rows* → EOF/OK | ERR          (COM_STMT_FETCH)
 *   FIELDS   → column definitions* → EOF | ERR
 * </pre>
 * Brackets are the EOF packets that CLIENT_DEPRECATE_EOF removes. Clients may pipeline commands
 * (MariaDB Connector/J sends PREPARE and EXECUTE together), so expected responses queue up.
 */
public final class ResponseTracker {
    private enum State {
        IDLE, RESULT, PREPARE, COLUMNS, COLUMNS_EOF, ROWS, PREPARE_PARAMS, PREPARE_PARAMS_EOF, PREPARE_COLUMNS,
        PREPARE_COLUMNS_EOF, FIELDS, ONE_PACKET, OK, INFILE_DATA
    }

    private final boolean deprecateEof;
    private final Deque<Command.Response> pending = new ArrayDeque<>();
    private State state = State.IDLE;
    private long count;
    private int prepareColumns;
    private int statusFlags = ServerStatus.AUTOCOMMIT;
    private int lastCommand = -1;
    private long commands;
    private long responses;
    /** Whether the server has sent anything of the current response. */
    private boolean answering;
    /** Whether the last server message was an OK packet (header 0x00, or 0xFE ending rows under DEPRECATE_EOF). */
    private boolean ok;
    private Completion completion = error -> { };

    /** Told when a command's response has ended. */
    @FunctionalInterface
    public interface Completion {
        /** @param error whether the response ended with (or was) an ERR packet */
        void completed(boolean error);
    }

    /** @param capabilities the capabilities the session negotiated */
    public ResponseTracker(long capabilities) {
        this.deprecateEof = Capabilities.has(capabilities, Capabilities.CLIENT_DEPRECATE_EOF);
    }

    /** Reports the end of every response from now on to {@code listener}. */
    public void onCompletion(Completion listener) {
        this.completion = listener;
    }

    /**
     * A message from the client. Returns true when it starts a command (sequence id 0), false for
     * the data of a LOCAL INFILE transfer or the continuation of anything else.
     */
    public boolean clientMessage(int sequenceId, int length, ByteBuf head) {
        if (state == State.INFILE_DATA) {
            if (length == 0) {
                state = State.RESULT; // the server answers the transfer with OK or ERR
            }
            return false;
        }
        if (sequenceId != 0 || !head.isReadable()) {
            return false;
        }
        int command = head.getUnsignedByte(head.readerIndex());
        lastCommand = command;
        commands++;
        Command.Response response = Command.response(command);
        if (response != Command.Response.NONE) {
            pending.addLast(response);
            if (state == State.IDLE) {
                next();
            }
        }
        return true;
    }

    /** A message from the server: moves the current response along, and ends it where it ends. */
    public void serverMessage(int length, ByteBuf head) {
        ok = false;
        if (state != State.IDLE) {
            answering = true;
        }
        if (!head.isReadable() && state != State.ROWS && state != State.ONE_PACKET) {
            return;
        }
        int header = head.isReadable() ? head.getUnsignedByte(head.readerIndex()) : -1;
        if (header == ErrPacket.HEADER && state != State.ONE_PACKET) {
            if (head.readableBytes() >= 3 && head.getUnsignedShortLE(head.readerIndex() + 1) == ErrPacket.PROGRESS_REPORT) {
                return;
            }
            if (state != State.IDLE) {
                done(true);
            }
            return;
        }
        switch (state) {
            case IDLE, INFILE_DATA -> {
                // Nothing expected: unsolicited (a server closing the session says so with ERR, handled above).
            }
            case RESULT -> result(header, head);
            case PREPARE -> {
                if (header == OkPacket.HEADER) {
                    prepareOk(head);
                } else {
                    done();
                }
            }
            case COLUMNS -> {
                if (--count == 0) {
                    state = deprecateEof ? State.ROWS : State.COLUMNS_EOF;
                }
            }
            case COLUMNS_EOF -> {
                int flags = eofStatus(head);
                statusFlags = flags;
                if ((flags & ServerStatus.CURSOR_EXISTS) != 0) {
                    done(); // COM_STMT_EXECUTE opened a cursor: rows come with COM_STMT_FETCH
                } else {
                    state = State.ROWS;
                }
            }
            case ROWS -> {
                if (isEnd(header, length)) {
                    ok = deprecateEof;
                    statusFlags = deprecateEof ? okStatus(head) : eofStatus(head);
                    afterResult();
                }
            }
            case PREPARE_PARAMS -> {
                if (--count == 0) {
                    state = deprecateEof ? State.PREPARE_COLUMNS : State.PREPARE_PARAMS_EOF;
                    count = prepareColumns;
                    if (deprecateEof && count == 0) {
                        done();
                    }
                }
            }
            case PREPARE_PARAMS_EOF -> {
                state = State.PREPARE_COLUMNS;
                count = prepareColumns;
                if (count == 0) {
                    done();
                }
            }
            case PREPARE_COLUMNS -> {
                if (--count == 0) {
                    if (deprecateEof) {
                        done();
                    } else {
                        state = State.PREPARE_COLUMNS_EOF;
                    }
                }
            }
            case PREPARE_COLUMNS_EOF, ONE_PACKET, OK -> {
                if (state == State.OK && header == OkPacket.HEADER) {
                    ok = true;
                    statusFlags = okStatus(head);
                }
                done();
            }
            case FIELDS -> {
                if (isEnd(header, length)) {
                    done();
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void result(int header, ByteBuf head) {
        if (header == OkPacket.HEADER) {
            ok = true;
            statusFlags = okStatus(head);
            afterResult();
        } else if (header == 0xFB) {
            state = State.INFILE_DATA;
        } else {
            count = Wire.readLenencInt(head.duplicate());
            state = count > 0 ? State.COLUMNS : State.ROWS;
        }
    }

    private void prepareOk(ByteBuf head) {
        int params = head.readableBytes() >= 9 ? head.getUnsignedShortLE(head.readerIndex() + 7) : 0;
        prepareColumns = head.readableBytes() >= 7 ? head.getUnsignedShortLE(head.readerIndex() + 5) : 0;
        if (params > 0) {
            state = State.PREPARE_PARAMS;
            count = params;
        } else if (prepareColumns > 0) {
            state = State.PREPARE_COLUMNS;
            count = prepareColumns;
        } else {
            done();
        }
    }

    private boolean isEnd(int header, int length) {
        return header == EofPacket.HEADER
                && (deprecateEof ? length < MySqlPacketDecoder.MAX_PACKET_PAYLOAD : length < EofPacket.MAX_SIZE);
    }

    /** After the final OK or EOF of one result: another follows when MORE_RESULTS_EXISTS is set. */
    private void afterResult() {
        if ((statusFlags & ServerStatus.MORE_RESULTS_EXISTS) != 0) {
            state = State.RESULT;
        } else {
            done();
        }
    }

    private void done() {
        done(false);
    }

    private void done(boolean error) {
        answering = false;
        responses++;
        state = State.IDLE;
        pending.pollFirst();
        completion.completed(error);
        next();
    }

    private void next() {
        Command.Response response = pending.peekFirst();
        if (response == null) {
            state = State.IDLE;
            return;
        }
        state = switch (response) {
            case RESULT -> State.RESULT;
            case PREPARE -> State.PREPARE;
            case ROWS -> State.ROWS;
            case FIELDS -> State.FIELDS;
            case ONE_PACKET -> State.ONE_PACKET;
            case OK, NONE -> State.OK;
        };
    }

    private static int okStatus(ByteBuf head) {
        ByteBuf b = head.duplicate();
        try {
            b.skipBytes(1);
            Wire.readLenencInt(b);
            Wire.readLenencInt(b);
            return Wire.readUnsignedShortLE(b);
        } catch (RuntimeException e) {
            return ServerStatus.AUTOCOMMIT;
        }
    }

    private static int eofStatus(ByteBuf head) {
        return head.readableBytes() >= 5 ? head.getUnsignedShortLE(head.readerIndex() + 3) : 0;
    }

    /** True when the server asked for a LOCAL INFILE file and the client's data (up to an empty packet) is due. */
    public boolean awaitsInfileData() {
        return state == State.INFILE_DATA;
    }

    /** How many responses have ended (each command's whole answer counts once). */
    public long responses() {
        return responses;
    }

    /** True when the next server message starts the answer to COM_STMT_PREPARE. */
    public boolean awaitsPrepare() {
        return state == State.PREPARE;
    }

    /** True when no command awaits (the rest of) its response. */
    public boolean quiet() {
        return state == State.IDLE && pending.isEmpty();
    }

    /**
     * True when exactly one command awaits its response and the server has sent nothing of it: had the
     * server read it, nothing else it sent would have been lost, so a connection that ends now may have
     * ended before it was read.
     */
    public boolean oneUnanswered() {
        return pending.size() == 1 && !answering && state != State.INFILE_DATA;
    }

    /** The one unanswered command was never read by the server and will be sent again: nothing awaits now. */
    public void forgetUnanswered() {
        pending.clear();
        answering = false;
        state = State.IDLE;
    }

    /** True when the last status flags said a transaction is open. */
    public boolean inTransaction() {
        return (statusFlags & ServerStatus.IN_TRANS) != 0;
    }

    /** The session continues on another backend, whose last status flags were {@code flags}. */
    public void resetStatus(int flags) {
        statusFlags = flags;
    }

    /**
     * True when the server message just followed was an OK packet, whose status flags are now
     * {@link #statusFlags()}: the packet that may carry session state (CLIENT_SESSION_TRACK).
     */
    public boolean okSeen() {
        return ok;
    }

    /** The status flags of the last OK or EOF seen. */
    public int statusFlags() {
        return statusFlags;
    }

    /** The command byte of the last command the client sent, or -1. */
    public int lastCommand() {
        return lastCommand;
    }

    /** How many commands the client sent. */
    public long commands() {
        return commands;
    }
}
