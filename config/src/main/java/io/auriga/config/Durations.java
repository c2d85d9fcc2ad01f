package io.auriga.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The duration syntax of the configuration file and the command line: a whole number and a
 * unit, {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} ({@code 500ms}, {@code 15m}).
 * A bare number is refused, except {@code 0}: "timeout: 30" is ambiguous between seconds and
 * milliseconds, and guessing wrong is a thousandfold error.
 */
public final class Durations {
    private static final String EXAMPLES = "(use e.g. 500ms, 2s, 15m, 1h)";
    private static final Pattern SYNTAX = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Map<String, ChronoUnit> UNITS = Map.of(
            "ms", ChronoUnit.MILLIS, "s", ChronoUnit.SECONDS, "m", ChronoUnit.MINUTES,
            "h", ChronoUnit.HOURS, "d", ChronoUnit.DAYS);
    /** Units for {@link #format}, largest first; the last divides every whole number of seconds. */
    private static final long[] UNIT_SECONDS = {86_400, 3_600, 60, 1};
    private static final String[] UNIT_NAMES = {"d", "h", "m", "s"};

    private Durations() {
    }

    /**
     * Parses {@code text} such as {@code 500ms} or {@code 15m}.
     *
     * @throws IllegalArgumentException with a message fit to show an operator, quoting the text
     */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no duration given " + EXAMPLES);
        }
        String trimmed = text.strip();
        if (trimmed.matches("0+")) {
            return Duration.ZERO;
        }
        Matcher matcher = SYNTAX.matcher(trimmed);
        if (!matcher.matches()) {
            String why = trimmed.matches("\\d+") ? " has no unit " : " is not a duration ";
            throw new IllegalArgumentException("'" + text + "'" + why + EXAMPLES);
        }
        try {
            return Duration.of(Long.parseLong(matcher.group(1)), UNITS.get(matcher.group(2)));
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration", e);
        }
    }

    /**
     * Formats {@code duration} in the largest unit that represents it exactly, so that
     * {@code parse(format(d))} gives {@code d} back. Parts below a millisecond are dropped.
     *
     * @throws IllegalArgumentException if the duration is negative, which the syntax cannot express
     */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("negative duration " + duration);
        }
        long seconds = duration.getSeconds();
        long millis = duration.getNano() / 1_000_000;
        // Work in seconds first: toMillis() would overflow for the longest durations parse accepts.
        if (millis != 0) {
            return Math.addExact(Math.multiplyExact(seconds, 1000L), millis) + "ms";
        }
        if (seconds == 0) {
            return "0s";
        }
        int unit = 0;
        while (seconds % UNIT_SECONDS[unit] != 0) {
            unit++;
        }
        return seconds / UNIT_SECONDS[unit] + UNIT_NAMES[unit];
    }
}
