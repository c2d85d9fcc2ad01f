package io.auriga.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the known word a misspelt one was probably meant to be, for "did you mean" hints. */
final class Suggestions {
    private Suggestions() {
    }

    /**
     * The single candidate closest to {@code word}, if it is close enough to be a plausible typo.
     * Ties give no suggestion: guessing between two keys would mislead more than it helps.
     */
    static Optional<String> closest(String word, Collection<String> candidates) {
        String normalized = normalize(word);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean tie = false;
        for (String candidate : candidates) {
            int distance = distance(normalized, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
                tie = false;
            } else if (distance == bestDistance) {
                tie = true;
            }
        }
        if (best == null || tie || bestDistance > tolerance(best)) {
            return Optional.empty();
        }
        return Optional.of(best);
    }

    /** " (did you mean 'x'?)" or nothing, ready to append to a message. */
    static String hint(String word, Collection<String> candidates) {
        return closest(word, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    // Short words tolerate one slip, long ones up to three; more would suggest unrelated keys.
    private static int tolerance(String candidate) {
        return Math.max(1, Math.min(3, candidate.length() / 3));
    }

    // People coming from JSON or Java write promotionTier or promotion_tier; treat those as exact.
    private static String normalize(String word) {
        String kebab = word.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-');
        return kebab.toLowerCase(Locale.ROOT);
    }

    /** Optimal string alignment distance: edits, where swapping two neighbours counts as one. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
