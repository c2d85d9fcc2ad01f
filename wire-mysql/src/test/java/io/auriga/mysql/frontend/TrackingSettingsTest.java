package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Queries setting the tracking settings, as a reader session sends them on. */
class TrackingSettingsTest {
    private static final String KEEP = "'tx_read_only,session_track_system_variables,session_track_transaction_info')";

    @Test
    void theListKeepsWhatTheBackstopNeedsWhateverItIsSetTo() {
        assertEquals("set autocommit=1, session_track_schema=1, session_track_system_variables= CONCAT_WS(',', NULLIF(("
                        + "CONCAT(@@global.session_track_system_variables, ',a,b', IF(1, ',c', ''))), ''), " + KEEP,
                TrackingSettings.rewrite("set autocommit=1, session_track_schema=1, session_track_system_variables="
                        + "CONCAT(@@global.session_track_system_variables, ',a,b', IF(1, ',c', ''))", true));
        assertEquals("SET @@session.session_track_system_variables = CONCAT_WS(',', NULLIF(('a,b'), ''), " + KEEP
                        + ", names = 1",
                TrackingSettings.rewrite("SET @@session.session_track_system_variables = 'a,b', names = 1", true));
        assertEquals(" SET session_track_system_variables= CONCAT_WS(',', NULLIF(@@global.session_track_system_variables,"
                        + " ''), " + KEEP + " ; ",
                TrackingSettings.rewrite(" SET session_track_system_variables=DEFAULT ; ", true));
    }

    @Test
    void transactionInfoStaysCharacteristicsAndTheFlagHasItsFlavoursName() {
        assertEquals("SET session_track_transaction_info= 'CHARACTERISTICS', `session_track_system_variables`= "
                        + "CONCAT_WS(',', NULLIF((''), ''), 'transaction_read_only,session_track_system_variables,"
                        + "session_track_transaction_info')",
                TrackingSettings.rewrite("SET session_track_transaction_info=OFF, `session_track_system_variables`=''",
                        false));
    }
}
