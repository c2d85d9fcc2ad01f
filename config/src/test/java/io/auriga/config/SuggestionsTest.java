package io.auriga.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> INSTANCE_KEYS = List.of("name", "host", "port", "promotion-tier", "no-failover");

    @Test
    void suggestsTheKeyATypoWasMeantToBe() {
        assertEquals(Optional.of("port"), Suggestions.closest("prot", INSTANCE_KEYS));
        assertEquals(Optional.of("host"), Suggestions.closest("hots", INSTANCE_KEYS));
        assertEquals(Optional.of("promotion-tier"), Suggestions.closest("promotion-teir", INSTANCE_KEYS));
    }

    @Test
    void treatsCamelAndSnakeCaseAsTheKebabKey() {
        assertEquals(Optional.of("promotion-tier"), Suggestions.closest("promotionTier", INSTANCE_KEYS));
        assertEquals(Optional.of("no-failover"), Suggestions.closest("no_failover", INSTANCE_KEYS));
    }

    @Test
    void suggestsNothingForUnrelatedWordsOrTies() {
        assertEquals(Optional.empty(), Suggestions.closest("database", INSTANCE_KEYS));
        assertEquals(Optional.empty(), Suggestions.closest("x", INSTANCE_KEYS));
        assertEquals(Optional.empty(), Suggestions.closest("ab", List.of("aa", "bb")));
    }

    @Test
    void countsASwapOfNeighboursAsOneEdit() {
        assertEquals(1, Suggestions.distance("prot", "port"));
        assertEquals(3, Suggestions.distance("kitten", "sitting"));
        assertEquals(0, Suggestions.distance("", ""));
    }
}
