package io.auriga.core.topology;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a cluster's failover or switchover stands: one immutable value, held by the
 * {@link TopologyHolder} and replaced whole by the orchestrator, one transition of its table at a
 * time. Everything a step needs to run again is in here (names, not connections), so a step can be
 * repeated, and an orchestrator given this value can carry on from it. The monitor reads from it
 * the intent it acts on: which instances it must publish fenced, and which hand-over of the
 * primary role it must expect ({@link Phase#handover}).
 *
 * @param phase     the state of the transition table
 * @param from      the primary that was lost or is handing over its role; null in {@link Phase#STEADY}
 * @param to        the replica being promoted; null until one is chosen
 * @param epoch     the topology's epoch when the operation began
 * @param since     when the operation (or, for {@link Phase#STEADY}, the last one) began
 * @param detail    why a failover is held ({@link Phase#HELD}), else null
 * @param followers the replicas to repoint to {@code to}
 * @param fenced    the former primaries the monitor publishes fenced; never {@code to}
 */
public record FailoverState(Phase phase, String from, String to, long epoch, Instant since, String detail,
                            List<String> followers, Set<String> fenced) {

    /** What writer routing does while a failover stands in a phase, and what the monitor is asked. */
    public enum Kind { NONE, FAILOVER, SWITCHOVER }

    /**
     * The states of the failover's and the switchover's transition table ({@code FailoverTable}).
     * {@code shown}: {@code /topology} describes the operation and writer sessions wait rather than
     * fail; {@code handover}: the monitor keeps {@code from} the primary until it sees {@code to} as
     * primary, and then fences {@code from} and publishes {@code to}.
     */
    public enum Phase {
        STEADY(Kind.NONE, false, false),
        PRIMARY_LOST(Kind.FAILOVER, true, false),
        HELD(Kind.FAILOVER, true, false),
        NO_CANDIDATE(Kind.FAILOVER, false, false),
        PROMOTING(Kind.FAILOVER, true, true),
        AWAITING_PUBLICATION(Kind.FAILOVER, true, true),
        REPOINTING(Kind.FAILOVER, false, false),
        HOLDING(Kind.SWITCHOVER, true, false),
        DEMOTING(Kind.SWITCHOVER, true, true),
        CATCHING_UP(Kind.SWITCHOVER, true, true),
        HANDING_OVER(Kind.SWITCHOVER, true, true),
        PUBLISHING(Kind.SWITCHOVER, true, true),
        REJOINING(Kind.SWITCHOVER, true, true),
        ROLLING_BACK(Kind.SWITCHOVER, true, true);

        private final Kind kind;
        private final boolean shown;
        private final boolean handover;

        Phase(Kind kind, boolean shown, boolean handover) {
            this.kind = kind;
            this.shown = shown;
            this.handover = handover;
        }

        public Kind kind() {
            return kind;
        }

        public boolean shown() {
            return shown;
        }

        public boolean handover() {
            return handover;
        }
    }

    static final String DECIDING = "the primary was lost; deciding on a failover";

    public FailoverState {
        followers = followers == null ? List.of() : List.copyOf(followers);
        Set<String> kept = new LinkedHashSet<>(fenced == null ? Set.of() : fenced);
        kept.remove(to);
        fenced = Set.copyOf(kept);
    }

    /** No operation under way, nothing fenced. */
    public static FailoverState steady(Instant now) {
        return new FailoverState(Phase.STEADY, null, null, 0, now, null, List.of(), Set.of());
    }

    /** The same operation in another phase. */
    public FailoverState in(Phase next) {
        return new FailoverState(next, from, to, epoch, since, detail, followers, fenced);
    }

    /** The same, with {@code name} among the fenced. */
    public FailoverState fencing(String name) {
        Set<String> more = new LinkedHashSet<>(fenced);
        more.add(name);
        return new FailoverState(phase, from, to, epoch, since, detail, followers, more);
    }

    /** The same, with {@code name} no longer among the fenced. */
    public FailoverState unfencing(String name) {
        Set<String> fewer = new LinkedHashSet<>(fenced);
        fewer.remove(name);
        return new FailoverState(phase, from, to, epoch, since, detail, followers, fewer);
    }

    /** The same, held for {@code why}. */
    public FailoverState held(String why) {
        return new FailoverState(Phase.HELD, from, to, epoch, since, why, followers, fenced);
    }

    /** The operation ended: steady, keeping the fenced set. */
    public FailoverState ended() {
        return new FailoverState(Phase.STEADY, null, null, epoch, since, null, List.of(), fenced);
    }

    /** What the operation under way does, for {@code /topology} and waiting writer sessions; null when none shows. */
    public String description() {
        if (!phase.shown()) {
            return null;
        }
        return switch (phase) {
            case PRIMARY_LOST -> DECIDING;
            case HELD -> detail;
            case PROMOTING, AWAITING_PUBLICATION -> "primary " + from + " was lost; promoting " + to;
            default -> "switchover from " + from + " to " + to;
        };
    }

    /** The failover under way, as {@link #description()}, or null when none (or a switchover) is. */
    public String failover() {
        return phase.kind() == Kind.FAILOVER ? description() : null;
    }

    /** The switchover under way, as {@link #description()}, or null when none is. */
    public String switchover() {
        return phase.kind() == Kind.SWITCHOVER ? description() : null;
    }
}
