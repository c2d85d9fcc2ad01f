package io.auriga.core.failover;

import static io.auriga.core.topology.FailoverState.Phase.AWAITING_PUBLICATION;
import static io.auriga.core.topology.FailoverState.Phase.CATCHING_UP;
import static io.auriga.core.topology.FailoverState.Phase.DEMOTING;
import static io.auriga.core.topology.FailoverState.Phase.HANDING_OVER;
import static io.auriga.core.topology.FailoverState.Phase.HELD;
import static io.auriga.core.topology.FailoverState.Phase.HOLDING;
import static io.auriga.core.topology.FailoverState.Phase.NO_CANDIDATE;
import static io.auriga.core.topology.FailoverState.Phase.PRIMARY_LOST;
import static io.auriga.core.topology.FailoverState.Phase.PROMOTING;
import static io.auriga.core.topology.FailoverState.Phase.PUBLISHING;
import static io.auriga.core.topology.FailoverState.Phase.REJOINING;
import static io.auriga.core.topology.FailoverState.Phase.REPOINTING;
import static io.auriga.core.topology.FailoverState.Phase.ROLLING_BACK;
import static io.auriga.core.topology.FailoverState.Phase.STEADY;
import static org.slf4j.event.Level.DEBUG;
import static org.slf4j.event.Level.ERROR;
import static org.slf4j.event.Level.INFO;
import static org.slf4j.event.Level.WARN;

import io.auriga.core.topology.FailoverState.Phase;
import java.util.List;
import java.util.Optional;
import org.slf4j.event.Level;

/**
 * Every move a cluster's failover and switchover can make, as data: one row per {current state,
 * event} with the next state, the log line the move writes and why the row is there. The
 * orchestrator only moves along these rows ({@link Transitions}); a move not in the table is a bug
 * and fails loudly. {@link #mermaid()} draws the table (README, section Architecture).
 * <pre>
 *   failover    STEADY ─► PRIMARY_LOST ─► (HELD | NO_CANDIDATE) ─► PROMOTING ─► AWAITING_PUBLICATION
 *                                                                   ─► REPOINTING ─► STEADY
 *   switchover  STEADY ─► HOLDING ─► DEMOTING ─► CATCHING_UP ─► HANDING_OVER ─► PUBLISHING ─► REJOINING
 *                                                                                     ─► STEADY
 *               any step before the promotion fails ─► ROLLING_BACK ─► STEADY
 * </pre>
 * A row's log line is an SLF4J pattern after {@code "cluster {}: "}; the mover supplies its arguments.
 */
public final class FailoverTable {

    /** What happened, as the orchestrator observed it. */
    public enum Event {
        PRIMARY_LOST("primary lost"),
        PRIMARY_BACK("no failover needed"),
        FENCED_REJOINED("fenced one rejoined"),
        HOLD("no replica safe yet"),
        HOLD_BLOCKED("no replica safe, one unreachable"),
        NO_CANDIDATE("no replica can be promoted"),
        PLANNED("candidate chosen"),
        PROMOTION_FAILED("promotion failed"),
        PROMOTED("promoted"),
        PUBLISHED("monitor publishes it"),
        PUBLICATION_OVERDUE("failover timeout"),
        REPOINTED("replicas repointed"),
        SWITCHOVER_REQUESTED("switchover requested"),
        DRAINED("transactions drained"),
        READ_ONLY("old primary read-only"),
        CAUGHT_UP("candidate caught up"),
        STEP_FAILED("step failed"),
        PROMOTED_DESPITE_ERROR("promoted despite an error"),
        REJOINED("followers repointed, old primary rejoined or fenced"),
        ROLLED_BACK("old primary writable again"),
        ABORTED("unexpected error");

        private final String label;

        Event(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param from    the current state
     * @param event   what happened
     * @param to      the next state
     * @param level   the level of the log line
     * @param log     the log line (SLF4J pattern, after {@code "cluster {}: "})
     * @param comment why this move exists
     */
    public record Row(Phase from, Event event, Phase to, Level level, String log, String comment) {
    }

    private static final List<Row> ROWS = withAborts(List.of(
            // ── failover ──
            new Row(STEADY, Event.PRIMARY_LOST, PRIMARY_LOST, DEBUG, "primary {} is lost; deciding on a failover",
                    "the monitor published a snapshot without the primary (or a failed promotion left it lost)"),
            new Row(PRIMARY_LOST, Event.PRIMARY_BACK, STEADY, DEBUG, "no failover needed ({})",
                    "automatic failover is off, the primary is back, or two instances claim the role"),
            new Row(PRIMARY_LOST, Event.PLANNED, PROMOTING, WARN,
                    "primary {} is lost; promoting {} (tier {}, position {}, received {}, lag {} ms)",
                    "the best replica is chosen (CandidateSelector); the lost primary is fenced from now on"),
            new Row(PRIMARY_LOST, Event.HOLD, HELD, INFO, "{}",
                    "durability: quorum and no replica is known yet to hold every acknowledged commit"),
            new Row(PRIMARY_LOST, Event.HOLD_BLOCKED, HELD, ERROR,
                    "{}; writes wait until it reports, or promote a replica by hand (pg_promote) and Auriga follows it",
                    "durability: quorum and the replica that may hold the last commits cannot be reached"),
            new Row(PRIMARY_LOST, Event.NO_CANDIDATE, NO_CANDIDATE, ERROR,
                    "primary {} is lost and no healthy replica can be promoted; writes are refused until one is",
                    "every replica is down, lagging past its limit or marked no-failover"),
            new Row(HELD, Event.HOLD, HELD, INFO, "{}", "the reason of the hold changed"),
            new Row(HELD, Event.HOLD_BLOCKED, HELD, ERROR,
                    "{}; writes wait until it reports, or promote a replica by hand (pg_promote) and Auriga follows it",
                    "the reason of the hold changed"),
            new Row(HELD, Event.PLANNED, PROMOTING, WARN,
                    "primary {} is lost; promoting {} (tier {}, position {}, received {}, lag {} ms)",
                    "a replica is now known to hold every acknowledged commit"),
            new Row(HELD, Event.PRIMARY_BACK, STEADY, DEBUG, "no failover needed ({})",
                    "the primary came back, or a replica was promoted by hand"),
            new Row(NO_CANDIDATE, Event.PLANNED, PROMOTING, WARN,
                    "primary {} is lost; promoting {} (tier {}, position {}, received {}, lag {} ms)",
                    "a replica became healthy"),
            new Row(NO_CANDIDATE, Event.PRIMARY_BACK, STEADY, DEBUG, "no failover needed ({})",
                    "the primary came back, or a replica was promoted by hand"),
            new Row(PROMOTING, Event.PROMOTION_FAILED, STEADY, ERROR, "promoting {} failed: {}",
                    "planned again from the next snapshot; the lost primary stays fenced"),
            new Row(PROMOTING, Event.PROMOTED, AWAITING_PUBLICATION, WARN, "{} promoted in {} ms",
                    "the candidate accepts writes; the monitor is asked to probe at once"),
            new Row(AWAITING_PUBLICATION, Event.PUBLISHED, REPOINTING, DEBUG,
                    "{} published as primary (epoch {})", "writer sessions follow it from here"),
            new Row(AWAITING_PUBLICATION, Event.PUBLICATION_OVERDUE, REPOINTING, WARN,
                    "{} not yet published as primary after {} ms; repointing the replicas to it anyway",
                    "the replicas must follow the promoted instance whatever the monitor sees"),
            new Row(REPOINTING, Event.REPOINTED, STEADY, DEBUG, "failover to {} done",
                    "each replica was repointed or its failure logged"),
            new Row(STEADY, Event.FENCED_REJOINED, STEADY, DEBUG, "{} replicates again; no longer fenced",
                    "a former primary was rejoined as a replica"),
            // ── switchover ──
            new Row(STEADY, Event.SWITCHOVER_REQUESTED, HOLDING, WARN,
                    "switchover from {} to {} begins (tier {}, lag {} ms)",
                    "an operator asked; no failover runs and the plan was accepted"),
            new Row(HOLDING, Event.DRAINED, DEMOTING, DEBUG, "writer sessions drained",
                    "open transactions ended or were ended at the drain deadline"),
            new Row(DEMOTING, Event.READ_ONLY, CATCHING_UP, DEBUG, "{} refuses new writes",
                    "the monitor keeps the read-only old primary as primary until the candidate takes over"),
            new Row(CATCHING_UP, Event.CAUGHT_UP, HANDING_OVER, DEBUG, "{} caught up",
                    "the candidate replayed everything the old primary wrote"),
            new Row(HANDING_OVER, Event.PROMOTED, PUBLISHING, DEBUG, "{} promoted",
                    "from here on the switchover rolls forward; the old primary is fenced"),
            new Row(HANDING_OVER, Event.PROMOTED_DESPITE_ERROR, PUBLISHING, WARN,
                    "promoting {} reported an error but it is primary now; rolling forward: {}",
                    "rolling back could leave two primaries"),
            new Row(PUBLISHING, Event.PUBLISHED, REJOINING, DEBUG, "{} published (or overdue); writers released",
                    "held sessions move to the new primary"),
            new Row(REJOINING, Event.REJOINED, STEADY, WARN, "{} ({} ms in all)",
                    "the switchover is complete"),
            new Row(HOLDING, Event.STEP_FAILED, ROLLING_BACK, ERROR, "switchover step {} failed: {}; rolling back",
                    "nothing changed on the servers yet"),
            new Row(DEMOTING, Event.STEP_FAILED, ROLLING_BACK, ERROR, "switchover step {} failed: {}; rolling back",
                    "the old primary is made writable again"),
            new Row(CATCHING_UP, Event.STEP_FAILED, ROLLING_BACK, ERROR,
                    "switchover step {} failed: {}; rolling back", "the old primary is made writable again"),
            new Row(HANDING_OVER, Event.STEP_FAILED, ROLLING_BACK, ERROR,
                    "switchover step {} failed: {}; rolling back", "the candidate is not primary: safe to go back"),
            new Row(ROLLING_BACK, Event.ROLLED_BACK, STEADY, WARN, "{}",
                    "held sessions go on on the old primary")));

    /** Every switchover state can end on an unexpected error: the gate is opened, the operation ends. */
    private static List<Row> withAborts(List<Row> rows) {
        List<Row> all = new java.util.ArrayList<>(rows);
        for (Phase phase : List.of(HOLDING, DEMOTING, CATCHING_UP, HANDING_OVER, PUBLISHING, REJOINING,
                ROLLING_BACK)) {
            all.add(new Row(phase, Event.ABORTED, STEADY, ERROR, "the switchover ended on an unexpected error in {}: {}",
                    "a bug: never leave writer sessions held or the switchover shown as running"));
        }
        return List.copyOf(all);
    }

    private FailoverTable() {
    }

    public static List<Row> rows() {
        return ROWS;
    }

    /** The row for {@code event} in state {@code from}, or empty when the table has no such move. */
    public static Optional<Row> row(Phase from, Event event) {
        return ROWS.stream().filter(r -> r.from() == from && r.event() == event).findFirst();
    }

    /** The table as a Mermaid {@code stateDiagram-v2}, one edge per row, labelled with its event. */
    public static String mermaid() {
        StringBuilder out = new StringBuilder("stateDiagram-v2\n");
        out.append("    [*] --> ").append(STEADY).append('\n');
        for (Row row : ROWS) {
            out.append("    ").append(row.from()).append(" --> ").append(row.to()).append(" : ")
                    .append(row.event().label()).append('\n');
        }
        return out.toString();
    }
}
