package io.auriga.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void plainTextIsKeptAsItIs() {
        String name = "app_user-1 ünïcode";
        assertSame(name, LogText.escape(name));
        assertEquals("null", LogText.escape(null));
    }

    @Test
    void aNewlineCannotStartALineOfItsOwn() {
        String forged = "x\n2026-12-04 15:00:00 ERROR Monitor - TWO PRIMARIES";
        String escaped = LogText.escape(forged);

        assertEquals("x\\n2026-12-04 15:00:00 ERROR Monitor - TWO PRIMARIES", escaped);
        assertEquals(1, escaped.lines().count());
    }

    @Test
    void everyControlCharacterIsEscapedAndABackslashCannotFakeAnEscape() {
        assertEquals("a\\r\\tb\\u0000\\u001b[2Jc\\u007f\\u0085\\u2028d", LogText.escape("a\r\tb\0\u001b[2Jc\u007f\u0085\u2028d"));
        assertEquals("user\\\\nname", LogText.escape("user\\nname"), "a literal backslash-n stays distinguishable");
    }

    @Test
    void longValuesAreCutAndSaySo() {
        String escaped = LogText.escape("a".repeat(LogText.MAX_CHARS) + "b".repeat(1000));

        assertEquals("a".repeat(LogText.MAX_CHARS) + "...(1000 more chars)", escaped);
        assertTrue(LogText.escape("\n".repeat(10_000)).length() < 4 * LogText.MAX_CHARS);
    }
}
