package io.auriga.mysql.protocol;

/**
 * Capability flags of the MySQL protocol, as one {@code long}: bits 0–31 are MySQL's
 * ({@code CLIENT_*}), bits 32–63 MariaDB's extended capabilities ({@code MARIADB_CLIENT_*}), which a
 * MariaDB server sends in the last 4 filler bytes of Handshake v10 and a MariaDB client in the
 * last 4 filler bytes of HandshakeResponse41 — both only when {@link #CLIENT_MYSQL} is clear.
 */
public final class Capabilities {
    private Capabilities() {
    }

    /** Named {@code CLIENT_LONG_PASSWORD} by MySQL; a MariaDB server clears it to say it is MariaDB. */
    public static final long CLIENT_MYSQL = 1L;
    public static final long CLIENT_FOUND_ROWS = 1L << 1;
    public static final long CLIENT_LONG_FLAG = 1L << 2;
    public static final long CLIENT_CONNECT_WITH_DB = 1L << 3;
    public static final long CLIENT_NO_SCHEMA = 1L << 4;
    public static final long CLIENT_COMPRESS = 1L << 5;
    public static final long CLIENT_ODBC = 1L << 6;
    public static final long CLIENT_LOCAL_FILES = 1L << 7;
    public static final long CLIENT_IGNORE_SPACE = 1L << 8;
    public static final long CLIENT_PROTOCOL_41 = 1L << 9;
    public static final long CLIENT_INTERACTIVE = 1L << 10;
    public static final long CLIENT_SSL = 1L << 11;
    public static final long CLIENT_IGNORE_SIGPIPE = 1L << 12;
    public static final long CLIENT_TRANSACTIONS = 1L << 13;
    public static final long CLIENT_RESERVED = 1L << 14;
    public static final long CLIENT_SECURE_CONNECTION = 1L << 15;
    public static final long CLIENT_MULTI_STATEMENTS = 1L << 16;
    public static final long CLIENT_MULTI_RESULTS = 1L << 17;
    public static final long CLIENT_PS_MULTI_RESULTS = 1L << 18;
    public static final long CLIENT_PLUGIN_AUTH = 1L << 19;
    public static final long CLIENT_CONNECT_ATTRS = 1L << 20;
    public static final long CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 1L << 21;
    public static final long CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS = 1L << 22;
    public static final long CLIENT_SESSION_TRACK = 1L << 23;
    public static final long CLIENT_DEPRECATE_EOF = 1L << 24;
    public static final long CLIENT_OPTIONAL_RESULTSET_METADATA = 1L << 25;
    public static final long CLIENT_ZSTD_COMPRESSION_ALGORITHM = 1L << 26;
    public static final long CLIENT_QUERY_ATTRIBUTES = 1L << 27;
    public static final long CLIENT_SSL_VERIFY_SERVER_CERT = 1L << 30;
    public static final long CLIENT_REMEMBER_OPTIONS = 1L << 31;

    public static final long MARIADB_CLIENT_PROGRESS = 1L << 32;
    public static final long MARIADB_CLIENT_COM_MULTI = 1L << 33;
    public static final long MARIADB_CLIENT_STMT_BULK_OPERATIONS = 1L << 34;
    public static final long MARIADB_CLIENT_EXTENDED_METADATA = 1L << 35;
    public static final long MARIADB_CLIENT_CACHE_METADATA = 1L << 36;
    public static final long MARIADB_CLIENT_BULK_UNIT_RESULTS = 1L << 37;

    /** Whether every flag of {@code flags} is set in {@code capabilities}. */
    public static boolean has(long capabilities, long flags) {
        return (capabilities & flags) == flags;
    }

    /** The MySQL half (bits 0–31). */
    public static long lower(long capabilities) {
        return capabilities & 0xFFFF_FFFFL;
    }

    /** The MariaDB extended half, shifted down to bits 0–31. */
    public static long extended(long capabilities) {
        return capabilities >>> 32;
    }
}
