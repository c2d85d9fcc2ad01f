package io.auriga.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GtidPositionTest {

    @Test
    void positionIsTheSequenceNumberOfDomainZero() {
        assertEquals(42, GtidPosition.parse("0-1-42").sequence());
        assertEquals(42, GtidPosition.parse("1-7-900, 0-2-42").sequence(), "other domains are not counted");
        assertEquals(0, GtidPosition.parse("").sequence(), "nothing written yet");
        assertEquals(0, GtidPosition.parse(null).sequence());
        assertEquals("0-1-42,1-7-900", GtidPosition.parse("0-1-42,1-7-900").toString());
    }

    @Test
    void comparesAcrossServerIdsWithinTheDomain() {
        // After a failover the new primary logs with its own server id; sequence numbers keep growing.
        long before = GtidPosition.parse("0-1-100").sequence();
        long after = GtidPosition.parse("0-2-101").sequence();
        assertEquals(1, after - before);
    }

    @Test
    void includesComparesSequenceNumbersPerDomain() {
        GtidPosition replica = GtidPosition.parse("0-2-110,1-5-7");
        assertTrue(replica.includes(GtidPosition.parse("0-1-100")), "lower sequence, other server");
        assertTrue(replica.includes(GtidPosition.parse("0-2-110,1-5-7")));
        assertTrue(replica.includes(GtidPosition.parse("")), "nothing to reach");
        assertFalse(replica.includes(GtidPosition.parse("0-2-111")));
        assertFalse(replica.includes(GtidPosition.parse("2-1-1")), "a domain it never saw");
    }

    @Test
    void beyondNamesWhatOnlyTheFormerPrimaryLogged() {
        // The new primary got 0-1-100 from the former one, then logged its own transactions.
        GtidPosition newPrimary = GtidPosition.parse("0-1-100,0-2-110");
        assertEquals(List.of(), GtidPosition.parse("0-1-100").beyond(newPrimary), "caught up: nothing lost");
        assertEquals(List.of(), GtidPosition.parse("0-1-90").beyond(newPrimary), "behind is not diverged");
        List<GtidPosition.Gtid> lost = GtidPosition.parse("0-1-103,0-3-12").beyond(newPrimary);
        assertEquals("[0-1-103, 0-3-12]", lost.toString(), "same domain, higher sequence; unknown server");
        assertTrue(newPrimary.lacks(new GtidPosition.Gtid(0, 1, 101)));
        assertFalse(newPrimary.lacks(new GtidPosition.Gtid(0, 1, 99)));
        assertFalse(newPrimary.lacks(new GtidPosition.Gtid(0, 2, 105)));
    }

    @Test
    void refusesMalformedText() {
        assertThrows(IllegalArgumentException.class, () -> GtidPosition.parse("0-1"));
        assertThrows(IllegalArgumentException.class, () -> GtidPosition.parse("0-x-1"));
    }
}
