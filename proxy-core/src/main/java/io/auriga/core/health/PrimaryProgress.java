package io.auriga.core.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When the monitor first saw the primary at each write position, so that a replica's lag is the
 * time its data has been behind the primary's, not the age of its last replayed transaction.
 *
 * <p>A replica that has replayed position {@code R} misses whatever the primary wrote after
 * {@code R}. The first round that saw the primary beyond {@code R} proves the replica has been
 * behind at least since then; that time, up to one probe interval late, is its lag. The age of the
 * last replayed transaction is an upper bound only: on a quiet primary it is minutes or hours, and a
 * single checkpoint record, or the first write after a pause, made every replica probed in the
 * millisecond before it replayed that write look that far behind, so the reader endpoint dropped it.
 * That age still answers where these records do not reach back far enough: before the first rounds,
 * and for a replica behind everything recorded.
 *
 * <p>Positions are comparable across a change of primary (PostgreSQL's WAL positions continue on
 * the new timeline, MariaDB's GTID sequence continues in its domain). A new primary behind the
 * positions recorded for the old one (commits lost with it) cuts those records off. Used by the
 * monitor's thread only; not thread-safe. Holds at most {@code capacity} positions, dropping the
 * oldest quarter when full.
 */
public final class PrimaryProgress {
    private record Seen(long position, Instant first) {
    }

    private final int capacity;
    /** Oldest first; positions strictly increasing. */
    private final List<Seen> seen = new ArrayList<>();

    public PrimaryProgress(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity " + capacity + " < 2");
        }
        this.capacity = capacity;
    }

    /** The primary answered at {@code position} (a negative one is unknown and ignored) at {@code now}. */
    public void record(long position, Instant now) {
        if (position < 0) {
            return;
        }
        while (!seen.isEmpty() && newest().position() > position) {
            seen.remove(seen.size() - 1);
        }
        if (!seen.isEmpty() && newest().position() == position) {
            return;
        }
        seen.add(new Seen(position, now));
        if (seen.size() > capacity) {
            seen.subList(0, seen.size() - capacity * 3 / 4).clear();
        }
    }

    /**
     * The lag in milliseconds of a replica that has replayed {@code replayed}: zero when it holds the
     * newest recorded position, the time since the primary was first seen beyond it when an earlier
     * record shows the primary at or behind it, else the age of its last replayed transaction, or -1
     * when that is unknown too.
     */
    public long lagMillis(long replayed, Instant lastReplayAt, Instant now) {
        if (replayed >= 0 && !seen.isEmpty()) {
            if (replayed >= newest().position()) {
                return 0;
            }
            int firstBeyond = firstBeyond(replayed);
            if (firstBeyond > 0) {
                return Math.max(0, Duration.between(seen.get(firstBeyond).first(), now).toMillis());
            }
        }
        return lastReplayAt == null ? -1 : Math.max(0, Duration.between(lastReplayAt, now).toMillis());
    }

    private Seen newest() {
        return seen.get(seen.size() - 1);
    }

    /** The index of the oldest record beyond {@code replayed}; one exists. */
    private int firstBeyond(long replayed) {
        int low = 0;
        int high = seen.size() - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (seen.get(mid).position() > replayed) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }
}
