package io.auriga.mysql.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A MySQL GTID set such as {@code @@GLOBAL.gtid_executed}: per source, a server UUID (and, from
 * 8.3, optional tags) with intervals of transaction numbers, e.g.
 * {@code 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11-18, 2174b383-5441-11e8-b90a-c80aa9429562:tag:1-3}.
 *
 * <p>The monitor needs one number per instance to compare positions: the number of transactions in
 * the set. Every instance of a GTID cluster applies the same transactions, so the count orders
 * instances by how far they got and the difference says how many transactions one trails by.
 * (Transactions written on a replica outside replication would count too; such "errant" ones break
 * GTID failover anyway.)
 */
final class MySqlGtidSet {
    /** Per source ({@code uuid} or {@code uuid:tag}, lower case): its merged, ordered, inclusive intervals. */
    private final Map<String, List<long[]>> intervals;

    private MySqlGtidSet(Map<String, List<long[]>> intervals) {
        this.intervals = intervals;
    }

    /**
     * Parses a GTID set; null or empty is the empty set.
     *
     * @throws IllegalArgumentException when an interval is malformed
     */
    static MySqlGtidSet parse(String text) {
        Map<String, List<long[]>> sets = new TreeMap<>();
        if (text != null) {
            for (String part : text.split(",")) {
                String[] fields = part.strip().split(":");
                if (fields.length == 0 || fields[0].isEmpty()) {
                    continue;
                }
                String uuid = fields[0].toLowerCase(Locale.ROOT);
                String source = uuid;
                for (int i = 1; i < fields.length; i++) {
                    String field = fields[i].strip();
                    if (field.matches("\\d+(-\\d+)?")) {
                        sets.computeIfAbsent(source, k -> new ArrayList<>()).add(interval(field, part));
                    } else if (field.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                        source = uuid + ":" + field.toLowerCase(Locale.ROOT);
                    } else {
                        throw new IllegalArgumentException("not a GTID set: '" + part.strip() + "'");
                    }
                }
            }
        }
        Map<String, List<long[]>> merged = new TreeMap<>();
        sets.forEach((source, list) -> merged.put(source, merge(list)));
        return new MySqlGtidSet(merged);
    }

    /** How many transactions the set holds. */
    long count() {
        long n = 0;
        for (List<long[]> list : intervals.values()) {
            for (long[] interval : list) {
                n += interval[1] - interval[0] + 1;
            }
        }
        return n;
    }

    /** The transactions in this set or in {@code other}. */
    MySqlGtidSet union(MySqlGtidSet other) {
        Map<String, List<long[]>> all = new TreeMap<>();
        for (MySqlGtidSet set : List.of(this, other)) {
            set.intervals.forEach((source, list) -> all.computeIfAbsent(source, k -> new ArrayList<>()).addAll(list));
        }
        Map<String, List<long[]>> merged = new TreeMap<>();
        all.forEach((source, list) -> merged.put(source, merge(list)));
        return new MySqlGtidSet(merged);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        intervals.forEach((source, list) -> {
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(source);
            for (long[] interval : list) {
                text.append(':').append(interval[0]);
                if (interval[1] != interval[0]) {
                    text.append('-').append(interval[1]);
                }
            }
        });
        return text.toString();
    }

    private static long[] interval(String field, String part) {
        int dash = field.indexOf('-');
        long from = Long.parseLong(dash < 0 ? field : field.substring(0, dash));
        long to = dash < 0 ? from : Long.parseLong(field.substring(dash + 1));
        if (from < 1 || to < from) {
            throw new IllegalArgumentException("not a GTID interval: '" + field + "' in '" + part.strip() + "'");
        }
        return new long[] {from, to};
    }

    private static List<long[]> merge(List<long[]> list) {
        List<long[]> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingLong(i -> i[0]));
        List<long[]> out = new ArrayList<>();
        for (long[] interval : sorted) {
            long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && interval[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], interval[1]);
            } else {
                out.add(new long[] {interval[0], interval[1]});
            }
        }
        return out;
    }
}
