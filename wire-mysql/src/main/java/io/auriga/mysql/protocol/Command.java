package io.auriga.mysql.protocol;

/**
 * The command bytes of the MySQL text and prepared-statement protocols (the first payload byte of
 * every packet a client sends with sequence id 0), with how the server answers each.
 */
public final class Command {
    private Command() {
    }

    public static final int COM_SLEEP = 0x00;
    public static final int COM_QUIT = 0x01;
    public static final int COM_INIT_DB = 0x02;
    public static final int COM_QUERY = 0x03;
    public static final int COM_FIELD_LIST = 0x04;
    public static final int COM_STATISTICS = 0x09;
    public static final int COM_PROCESS_KILL = 0x0C;
    public static final int COM_PING = 0x0E;
    public static final int COM_CHANGE_USER = 0x11;
    public static final int COM_BINLOG_DUMP = 0x12;
    public static final int COM_STMT_PREPARE = 0x16;
    public static final int COM_STMT_EXECUTE = 0x17;
    public static final int COM_STMT_SEND_LONG_DATA = 0x18;
    public static final int COM_STMT_CLOSE = 0x19;
    public static final int COM_STMT_RESET = 0x1A;
    public static final int COM_SET_OPTION = 0x1B;
    public static final int COM_STMT_FETCH = 0x1C;
    public static final int COM_BINLOG_DUMP_GTID = 0x1E;
    public static final int COM_RESET_CONNECTION = 0x1F;
    /** MariaDB: a prepared statement executed for many parameter sets at once. */
    public static final int COM_STMT_BULK_EXECUTE = 0xFA;

    /** The shape of a command's response. */
    public enum Response {
        /** OK, ERR, a LOCAL INFILE request, or result sets (COM_QUERY, COM_STMT_EXECUTE). */
        RESULT,
        /** OK (prepared-statement header, then parameter and column definitions) or ERR. */
        PREPARE,
        /** Binary rows then EOF/OK, or ERR (COM_STMT_FETCH). */
        ROWS,
        /** Column definitions ending with EOF, or ERR (COM_FIELD_LIST). */
        FIELDS,
        /** One string packet (COM_STATISTICS). */
        ONE_PACKET,
        /** OK or ERR. */
        OK,
        /** Nothing: COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT. */
        NONE
    }

    /** How the server answers {@code command}. */
    public static Response response(int command) {
        return switch (command) {
            case COM_QUERY, COM_STMT_EXECUTE, COM_STMT_BULK_EXECUTE -> Response.RESULT;
            case COM_STMT_PREPARE -> Response.PREPARE;
            case COM_STMT_FETCH -> Response.ROWS;
            case COM_FIELD_LIST -> Response.FIELDS;
            case COM_STATISTICS -> Response.ONE_PACKET;
            case COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT -> Response.NONE;
            default -> Response.OK;
        };
    }
}
