package io.auriga.mysql.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.mysql.protocol.SessionStateInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What in a reader session's reported state lifts its read-only flag or stops the reports. */
class ReadOnlyTrackingTest {

    private static String breach(String characteristics, String... nameValues) {
        List<SessionStateInfo.Variable> variables = new java.util.ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            variables.add(new SessionStateInfo.Variable(nameValues[i], nameValues[i + 1]));
        }
        return ReadOnlyTracking.breach(new SessionStateInfo(variables, characteristics));
    }

    @Test
    void theFlagTurnedOffOrToAnythingButOnIsABreach() {
        assertNotNull(breach(null, "tx_read_only", "OFF"));
        assertNotNull(breach(null, "transaction_read_only", "0"));
        assertNotNull(breach(null, "autocommit", "ON", "TX_READ_ONLY", ""));
        assertNull(breach(null, "tx_read_only", "ON"));
        assertNull(breach(null, "transaction_read_only", "1"));
        assertNull(breach(null, "autocommit", "OFF", "character_set_client", "utf8mb4"));
    }

    @Test
    void trackingThatNoLongerCoversTheFlagIsABreach() {
        assertNotNull(breach(null, "session_track_system_variables", "session_track_system_variables,autocommit"));
        assertNotNull(breach(null, "session_track_system_variables",
                "session_track_system_variables,tx_read_only"));
        assertNull(breach(null, "session_track_system_variables",
                "autocommit, session_track_system_variables,session_track_transaction_info,tx_read_only"));
        assertNull(breach(null, "session_track_system_variables", "*"));
        assertNotNull(breach(null, "session_track_transaction_info", "STATE"));
        assertNotNull(breach(null, "session_track_transaction_info", "OFF"));
        assertNull(breach(null, "session_track_transaction_info", "CHARACTERISTICS"));
    }

    @Test
    void aReadWriteNextTransactionIsABreach() {
        assertNotNull(breach("SET TRANSACTION READ WRITE;"));
        assertNotNull(breach("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; START TRANSACTION  READ\tWRITE;"));
        assertNull(breach("SET TRANSACTION ISOLATION LEVEL READ COMMITTED;"));
        assertNull(breach("START TRANSACTION READ ONLY;"));
        assertNull(breach(""));
    }

    @Test
    void theLoginStatementNamesEachFlavoursFlag() {
        String mariaDb = ReadOnlyTracking.statement(true);
        assertTrue(mariaDb.startsWith("SET SESSION tx_read_only = 1, "), mariaDb);
        assertTrue(mariaDb.contains("'tx_read_only,session_track_system_variables,session_track_transaction_info'"),
                mariaDb);
        assertTrue(mariaDb.endsWith("SESSION session_track_transaction_info = 'CHARACTERISTICS'"), mariaDb);
        assertEquals(mariaDb.replace("tx_read_only", "transaction_read_only"), ReadOnlyTracking.statement(false));
    }
}
