package io.auriga.core.failover;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the replica to promote when the primary is lost: pure functions of the snapshot.
 *
 * <p>Asynchronous durability ({@link #choose}): among replicas the last probe saw healthy, and not
 * marked {@code no-failover}: the lowest promotion tier, then the most advanced replication position
 * (least data lost), then the least lag, then the name, so the choice is deterministic.
 *
 * <p>Quorum durability ({@link #chooseQuorum}): an acknowledged commit is on the primary and on at
 * least one member of its synchronous set ({@link QuorumKeeper#standbys}), and WAL is one stream, so
 * the member that has received the most WAL holds every acknowledged commit. Every member must
 * therefore report a received position observed after the primary was lost — one that cannot be
 * asked may hold the only copy — and only the members at the highest position may be promoted;
 * promotion tier, then lag, then name break ties among them.
 */
public final class CandidateSelector {
    private static final Comparator<InstanceState> PREFERENCE = Comparator
            .comparingInt((InstanceState i) -> i.config().promotionTier())
            .thenComparing(Comparator.comparingLong(InstanceState::position).reversed())
            .thenComparingLong(CandidateSelector::lagOrMax)
            .thenComparing(InstanceState::name);

    private static final Comparator<InstanceState> TIE_BREAK = Comparator
            .comparingInt((InstanceState i) -> i.config().promotionTier())
            .thenComparingLong(CandidateSelector::lagOrMax)
            .thenComparing(InstanceState::name);

    private CandidateSelector() {
    }

    public static Optional<InstanceState> choose(Topology topology) {
        return topology.instances().stream()
                .filter(i -> i.role() == Role.REPLICA && i.error() == null && !i.config().noFailover())
                .min(PREFERENCE);
    }

    /**
     * The quorum-safe candidate, or why none may be promoted yet.
     *
     * @param candidate the member holding every acknowledged commit, or null
     * @param hold      why no member may be promoted yet (null with a candidate)
     * @param waitingOn the members whose position is not known yet
     * @param blocked   true when a member cannot be reached (not merely awaiting a fresh probe): only
     *                  its return, or a person, ends the wait
     */
    public record QuorumChoice(InstanceState candidate, String hold, List<String> waitingOn, boolean blocked) {
        public QuorumChoice {
            waitingOn = List.copyOf(waitingOn);
        }
    }

    /**
     * @param lost      the lost primary, whose synchronous set is examined
     * @param lostSince when the primary was first seen lost: positions observed earlier may miss WAL
     *                  the members received until the primary stopped
     */
    public static QuorumChoice chooseQuorum(Topology topology, String lost, Instant lostSince) {
        List<InstanceState> members = topology.instances().stream()
                .filter(i -> !i.name().equals(lost) && QuorumKeeper.mayAcknowledge(i.config()))
                .filter(i -> i.role() != Role.FENCED)
                .toList();
        if (members.isEmpty()) {
            return new QuorumChoice(null, "no replica of the synchronous set is left to promote", List.of(), true);
        }
        List<String> unreachable = members.stream().filter(i -> !reported(i)).map(InstanceState::name).toList();
        if (!unreachable.isEmpty()) {
            return new QuorumChoice(null, "waiting for " + String.join(", ", unreachable) + " to report its WAL "
                    + "position: it may hold the only copy of acknowledged commits", unreachable, true);
        }
        List<String> stale = members.stream().filter(i -> !i.observedAt().isAfter(lostSince))
                .map(InstanceState::name).toList();
        if (!stale.isEmpty()) {
            return new QuorumChoice(null, "reading the WAL positions of " + String.join(", ", stale)
                    + " after the loss", stale, false);
        }
        long highest = members.stream().mapToLong(InstanceState::received).max().orElseThrow();
        InstanceState candidate = members.stream().filter(i -> i.received() == highest).min(TIE_BREAK)
                .orElseThrow();
        return new QuorumChoice(candidate, null, List.of(), false);
    }

    private static boolean reported(InstanceState member) {
        return member.role() == Role.REPLICA && member.error() == null && member.received() >= 0;
    }

    private static long lagOrMax(InstanceState i) {
        return i.lagMillis() < 0 ? Long.MAX_VALUE : i.lagMillis();
    }
}
