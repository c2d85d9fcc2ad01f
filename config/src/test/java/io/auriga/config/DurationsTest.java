package io.auriga.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "500ms, PT0.5S",
            "2s, PT2S",
            "15m, PT15M",
            "1h, PT1H",
            "7d, PT168H",
            "0, PT0S",
            "0s, PT0S",
            "' 30s ', PT30S",
            "10 s, PT10S",
            "1500ms, PT1.5S",
    })
    void parsesEveryUnit(String text, String expected) {
        assertEquals(Duration.parse(expected), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5 parsecs", "1.5s", "-2s", "s", "ms10", "10S", "1m30s", "abc"})
    void refusesWhatIsNotADuration(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("'" + text + "' is not a duration (use e.g. 500ms, 2s, 15m, 1h)", e.getMessage());
    }

    @Test
    void refusesANumberWithoutUnitBecauseTheUnitWouldBeAGuess() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("500"));
        assertEquals("'500' has no unit (use e.g. 500ms, 2s, 15m, 1h)", e.getMessage());
    }

    @Test
    void refusesEmptyAndOverflowingText() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(" "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("99999999999999999999d"));
        assertTrue(e.getMessage().contains("too long"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("9999999999999999d"));
    }

    @ParameterizedTest
    @CsvSource({
            "PT0S, 0s",
            "PT0.5S, 500ms",
            "PT1.5S, 1500ms",
            "PT2S, 2s",
            "PT90S, 90s",
            "PT15M, 15m",
            "PT1H, 1h",
            "PT25H, 25h",
            "PT48H, 2d",
    })
    void formatsInTheLargestExactUnit(String duration, String expected) {
        assertEquals(expected, Durations.format(Duration.parse(duration)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "1ms", "999ms", "1001ms", "59s", "61s", "59m", "61m", "23h", "1d", "365d"})
    void formatAndParseRoundTrip(String text) {
        Duration parsed = Durations.parse(text);
        assertEquals(text, Durations.format(parsed));
        assertEquals(parsed, Durations.parse(Durations.format(parsed)));
    }

    @Test
    void formatDropsSubMillisecondPartsAndRefusesNegatives() {
        assertEquals("1ms", Durations.format(Duration.ofNanos(1_500_000)));
        assertThrows(IllegalArgumentException.class, () -> Durations.format(Duration.ofSeconds(-1)));
    }
}
