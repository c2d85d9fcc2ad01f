package io.auriga.mysql.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** GTID sets as MySQL prints them (gtid_executed, Retrieved_Gtid_Set), counted as the monitor's positions. */
class MySqlGtidSetTest {
    private static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String B = "2174b383-5441-11e8-b90a-c80aa9429562";

    @Test
    void countsTheTransactionsOfEverySource() {
        assertEquals(0, MySqlGtidSet.parse(null).count());
        assertEquals(0, MySqlGtidSet.parse("").count());
        assertEquals(5, MySqlGtidSet.parse(A + ":1-5").count());
        assertEquals(13, MySqlGtidSet.parse(A + ":1-5:11-18").count());
        // As SHOW REPLICA STATUS prints it: upper case, a newline after the comma, a single transaction.
        assertEquals(13 + 1, MySqlGtidSet.parse(A.toUpperCase() + ":1-5:11-18,\n" + B + ":7").count());
    }

    @Test
    void tagsFrom83AreSourcesOfTheirOwn() {
        MySqlGtidSet set = MySqlGtidSet.parse(A + ":1-3:audit:1-2");
        assertEquals(5, set.count());
        assertEquals(A + ":1-3," + A + ":audit:1-2", set.toString());
    }

    @Test
    void unionCountsWhatEitherHasOnce() {
        MySqlGtidSet executed = MySqlGtidSet.parse(A + ":1-10");
        MySqlGtidSet retrieved = MySqlGtidSet.parse(A + ":5-14," + B + ":1-2");
        assertEquals(16, executed.union(retrieved).count());
        assertEquals(10, executed.union(MySqlGtidSet.parse("")).count());
        assertEquals(A + ":1-6", MySqlGtidSet.parse(A + ":4-6:1-3:2").toString(), "adjacent and overlapping merge");
    }

    @Test
    void refusesWhatIsNotAGtidSet() {
        assertThrows(IllegalArgumentException.class, () -> MySqlGtidSet.parse(A + ":5-3"));
        assertThrows(IllegalArgumentException.class, () -> MySqlGtidSet.parse(A + ":0"));
        assertThrows(IllegalArgumentException.class, () -> MySqlGtidSet.parse(A + ":1-x"));
    }
}
