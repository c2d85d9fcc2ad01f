package io.auriga.mysql.backend;

import io.auriga.mysql.protocol.SessionStateInfo;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How a reader session's backend is kept read-only and made to say so. At login the proxy sets the
 * session's read-only flag and has the server report, in the session state of its OK packets, every
 * change of that flag ({@code tx_read_only} on MariaDB 10.x, {@code transaction_read_only} on MySQL 8),
 * of the tracking settings themselves, and the characteristics of the next transaction ({@code SET
 * TRANSACTION READ WRITE} lifts the flag for one transaction only, {@code START TRANSACTION READ WRITE}
 * for the one it starts). {@link #breach} reads those reports.
 *
 * <p>A change of {@code session_track_system_variables} to a list without that variable itself is not
 * reported by the server (MariaDB 10.11): a reader's query that changes the tracking settings goes to
 * the server with {@link #trackedVariables} around its value (drivers such as MariaDB Connector/J set
 * the list at connect), and elsewhere such changes are refused (see {@code ReadWriteStatement}).
 */
public final class ReadOnlyTracking {
    private static final String TRACKED_VARIABLES = "session_track_system_variables";
    private static final String TRACKED_TRANSACTION = "session_track_transaction_info";
    /** The value of {@code session_track_transaction_info} that reports a read-write next transaction. */
    public static final String TRACKED_CHARACTERISTICS = "'CHARACTERISTICS'";
    private static final Set<String> FLAGS = Set.of("tx_read_only", "transaction_read_only");
    private static final Set<String> KEEPS_ON = Set.of("1", "on", "true");

    private ReadOnlyTracking() {
    }

    /** The statement that makes a freshly logged-in reader session read-only and watched, for the server's flavour. */
    public static String statement(boolean mariaDb) {
        return "SET SESSION " + flag(mariaDb) + " = 1, SESSION " + TRACKED_VARIABLES + " = "
                + trackedVariables("@@session." + TRACKED_VARIABLES, mariaDb) + ", SESSION " + TRACKED_TRANSACTION
                + " = " + TRACKED_CHARACTERISTICS;
    }

    /** An expression for the list {@code list} (an SQL expression) with the variables the backstop needs added. */
    public static String trackedVariables(String list, boolean mariaDb) {
        return "CONCAT_WS(',', NULLIF(" + list + ", ''), '" + flag(mariaDb) + "," + TRACKED_VARIABLES + ","
                + TRACKED_TRANSACTION + "')";
    }

    /** The name of the session's read-only flag: MariaDB 10.11 knows only {@code tx_read_only}, MySQL 8 only the other. */
    static String flag(boolean mariaDb) {
        return mariaDb ? "tx_read_only" : "transaction_read_only";
    }

    /**
     * What in {@code changes} lifts the session's read-only flag or stops the server from reporting it,
     * or null when nothing does.
     */
    public static String breach(SessionStateInfo changes) {
        for (SessionStateInfo.Variable v : changes.variables()) {
            String name = v.name().toLowerCase(Locale.ROOT);
            String value = v.value().strip().toLowerCase(Locale.ROOT);
            if (FLAGS.contains(name) && !KEEPS_ON.contains(value)) {
                return "the session's " + name + " became " + v.value();
            }
            if (name.equals(TRACKED_VARIABLES) && !tracksFlag(value)) {
                return TRACKED_VARIABLES + " became '" + v.value() + "'";
            }
            if (name.equals(TRACKED_TRANSACTION) && !value.equals("characteristics")) {
                return TRACKED_TRANSACTION + " became " + v.value();
            }
        }
        String characteristics = changes.characteristics();
        if (characteristics != null && characteristics.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ")
                .contains("READ WRITE")) {
            return "the next transaction was made read-write (" + characteristics.strip() + ")";
        }
        return null;
    }

    private static boolean tracksFlag(String list) {
        List<String> names = List.of(list.split("\\s*,\\s*"));
        return names.contains("*") || names.stream().anyMatch(FLAGS::contains) && names.contains(TRACKED_TRANSACTION);
    }
}
