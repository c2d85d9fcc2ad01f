package io.auriga.core.failover;

import io.auriga.core.topology.FailoverState;
import io.auriga.core.topology.TopologyHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one cluster's {@link FailoverState} along the rows of {@link FailoverTable}, and only along
 * them: each move is a compare-and-set on the {@link TopologyHolder}'s state and writes its row's
 * log line, once. A move the table does not have throws and is logged at ERROR.
 */
final class Transitions {
    private static final Logger log = LoggerFactory.getLogger(FailoverOrchestrator.class);

    private final String cluster;
    private final TopologyHolder holder;

    Transitions(String cluster, TopologyHolder holder) {
        this.cluster = cluster;
        this.holder = holder;
    }

    FailoverState current() {
        return holder.failoverState();
    }

    /**
     * Moves from {@code expected} to {@code next} by {@code event}.
     *
     * @param args the arguments of the row's log line
     * @return false, with nothing changed or logged, when the state is no longer {@code expected}
     *         (another thread moved it first)
     * @throws IllegalStateException when the table has no row from {@code expected}'s state by
     *                               {@code event} to {@code next}'s
     */
    boolean move(FailoverState expected, FailoverTable.Event event, FailoverState next, Object... args) {
        FailoverTable.Row row = FailoverTable.row(expected.phase(), event).orElse(null);
        if (row == null || row.to() != next.phase()) {
            String message = "cluster " + cluster + ": illegal failover transition " + expected.phase() + " --"
                    + event + "--> " + next.phase() + (row == null ? " (no such row)" : " (the row leads to "
                    + row.to() + ")");
            log.error(message);
            throw new IllegalStateException(message);
        }
        if (!holder.moveFailoverState(expected, next)) {
            return false;
        }
        Object[] all = new Object[args.length + 1];
        all[0] = cluster;
        System.arraycopy(args, 0, all, 1, args.length);
        log.atLevel(row.level()).log("cluster {}: " + row.log(), all);
        return true;
    }

    /** As {@link #move}, for a move that must succeed: another thread moving the state first is a bug. */
    void require(FailoverState expected, FailoverTable.Event event, FailoverState next, Object... args) {
        if (!move(expected, event, next, args)) {
            String message = "cluster " + cluster + ": failover state moved from " + expected.phase()
                    + " to " + holder.failoverState().phase() + " while " + event + " was being applied";
            log.error(message);
            throw new IllegalStateException(message);
        }
    }
}
