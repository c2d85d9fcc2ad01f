package io.auriga.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PrimaryProgressTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant at(long millis) {
        return T0.plusMillis(millis);
    }

    @Test
    void aReplicaAtTheNewestPositionHasNoLag() {
        PrimaryProgress progress = new PrimaryProgress(16);
        progress.record(100, at(0));
        progress.record(100, at(500));
        assertEquals(0, progress.lagMillis(100, at(-3_600_000), at(1000)));
        assertEquals(0, progress.lagMillis(150, null, at(1000)), "ahead of what was seen is not behind");
    }

    @Test
    void lagRunsFromTheFirstRoundThatSawThePrimaryBeyondTheReplica() {
        PrimaryProgress progress = new PrimaryProgress(16);
        progress.record(100, at(0));
        progress.record(200, at(500));
        progress.record(300, at(1000));
        // The last transaction it replayed is an hour old: a quiet primary, then one write.
        Instant hourAgo = at(-3_600_000);
        assertEquals(0, progress.lagMillis(300, hourAgo, at(1000)));
        assertEquals(0, progress.lagMillis(200, hourAgo, at(1000)), "behind only this round's position");
        assertEquals(500, progress.lagMillis(100, hourAgo, at(1000)));
        assertEquals(700, progress.lagMillis(150, hourAgo, at(1200)), "between two records: the later one");
        assertEquals(2500, progress.lagMillis(200, hourAgo, at(3500)), "it grows while the replica stands still");
    }

    @Test
    void withoutARecordAtOrBehindTheReplicaTheLastReplayedTransactionAnswers() {
        PrimaryProgress progress = new PrimaryProgress(16);
        assertEquals(4000, progress.lagMillis(100, at(-3000), at(1000)), "no record yet");
        assertEquals(-1, progress.lagMillis(100, null, at(1000)));
        progress.record(500, at(0));
        assertEquals(4000, progress.lagMillis(100, at(-3000), at(1000)), "behind everything recorded");
        assertEquals(-1, progress.lagMillis(-1, null, at(1000)), "an unknown position");
        progress.record(-1, at(500));
        assertEquals(0, progress.lagMillis(500, null, at(1000)), "an unknown primary position is not recorded");
    }

    @Test
    void aNewPrimaryBehindTheRecordsCutsOffWhatWasLostWithTheOldOne() {
        PrimaryProgress progress = new PrimaryProgress(16);
        progress.record(100, at(0));
        progress.record(200, at(1000));
        progress.record(300, at(2000));
        // Promoted at 250: the old primary's 300 never reached it.
        progress.record(250, at(3000));
        assertEquals(0, progress.lagMillis(250, null, at(3000)));
        assertEquals(2000, progress.lagMillis(200, null, at(5000)), "the first record beyond 200 is now 250's");
        assertEquals(0, progress.lagMillis(300, null, at(5000)), "holding the lost 300 is not lag");
    }

    @Test
    void aFullRecordDropsItsOldestQuarter() {
        PrimaryProgress progress = new PrimaryProgress(8);
        for (int i = 1; i <= 9; i++) {
            progress.record(i * 100, at(i * 1000));
        }
        // 9 records over a capacity of 8: the oldest three (100, 200, 300) are gone, 6 are left.
        assertEquals(-1, progress.lagMillis(250, null, at(10_000)), "no record at or behind 250 is left");
        assertEquals(-1, progress.lagMillis(300, null, at(10_000)));
        assertEquals(5000, progress.lagMillis(400, null, at(10_000)), "500 was first seen at 5 s");
    }
}
