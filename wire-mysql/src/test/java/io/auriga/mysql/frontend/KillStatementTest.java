package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which KILLs the proxy translates, which it refuses, and which it leaves to the server. */
class KillStatementTest {

    @Test
    void aLoneKillWithALiteralIdIsTranslatedWhateverSurroundsIt() {
        assertEquals(Optional.of(new KillStatement(2147483650L, true)),
                KillStatement.standalone("KILL QUERY 2147483650"));
        assertEquals(Optional.of(new KillStatement(2147483650L, false)),
                KillStatement.standalone("/* cancel */ kill connection 2147483650 ;"));
        assertEquals(Optional.of(new KillStatement(7, false)), KillStatement.standalone("-- x\nKILL HARD 7"));
    }

    @Test
    void aNegativeIdIsTheSignedReadingOfAProxyId() {
        // MariaDB Connector/J reads the handshake's id as a signed int and cancels with it.
        assertEquals(Optional.of(new KillStatement(0x8000_0001L, true)), KillStatement.parse("KILL QUERY -2147483647"));
        assertEquals(Optional.empty(), KillStatement.parse("KILL -2147483649"));
        assertEquals(Optional.empty(), KillStatement.parse("KILL 4294967296"));
    }

    @Test
    void aKillTheProxyCannotTranslateIsRefused() {
        assertTrue(KillStatement.untranslatable("SELECT 1; KILL 2147483650"));
        assertTrue(KillStatement.untranslatable("KILL QUERY 5; SELECT 1"));
        assertTrue(KillStatement.untranslatable("KILL @victim"));
        assertTrue(KillStatement.untranslatable("KILL 2147483640 + 10"));
        assertFalse(KillStatement.standalone("SELECT 1; KILL 5").isPresent());
    }

    @Test
    void killsThatNameNoProxyIdAndKillInTextAreLeftAlone() {
        assertFalse(KillStatement.untranslatable("KILL 2147483650"), "translated, not refused");
        assertFalse(KillStatement.untranslatable("KILL CONNECTION_ID()"));
        assertFalse(KillStatement.untranslatable("SELECT 1; KILL QUERY CONNECTION_ID ( )"));
        assertFalse(KillStatement.untranslatable("KILL USER app; SELECT 1"));
        assertFalse(KillStatement.untranslatable("SELECT 1; KILL QUERY ID 42"));
        assertFalse(KillStatement.untranslatable("SELECT 'KILL 5'; SELECT `kill`; /* KILL 5 */ SELECT 2"));
        assertFalse(KillStatement.untranslatable("SELECT skill FROM t; UPDATE kills SET n = 1"));
    }
}
