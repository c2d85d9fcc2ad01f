package io.auriga.mysql.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void refusesMalformedText() {
        assertThrows(IllegalArgumentException.class, () -> GtidPosition.parse("0-1"));
        assertThrows(IllegalArgumentException.class, () -> GtidPosition.parse("0-x-1"));
    }
}
