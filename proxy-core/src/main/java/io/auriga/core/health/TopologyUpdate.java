package io.auriga.core.health;

import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Judges one round of probe results into the next topology. A pure function of the previous
 * snapshot, the results, the failure streaks and the time, so it is tested without sockets.
 * <ul>
 *   <li>A successful probe sets the role it observed.</li>
 *   <li>A failed probe marks the instance down only after {@code threshold} failures in a row, or at
 *       once when the connection was refused; until then the last observed role stands, so one slow
 *       probe is not a failure.</li>
 *   <li>The epoch grows whenever a different instance becomes the single primary.</li>
 *   <li>Two primaries: while the primary of the current epoch still stands, any other instance seen as
 *       primary (promoted outside Auriga, say) is fenced at once, so writes never reach an instance not
 *       seen as primary in the current epoch. When there is no standing primary and several instances
 *       claim the role, none is the primary and writes stop until one remains.</li>
 *   <li>A replica's lag is zero once it has replayed the primary's position, otherwise how long the
 *       primary has been seen beyond the replica's position ({@link PrimaryProgress}).</li>
 * </ul>
 */
public final class TopologyUpdate {
    private TopologyUpdate() {
    }

    /**
     * @param results  this round's result per instance name (missing = not probed this round)
     * @param streaks  consecutive failures per instance name, including this round
     */
    public static Topology next(Topology before, Map<String, ProbeResult> results, Map<String, Integer> streaks,
                                int threshold, Instant now) {
        return next(before, results, streaks, threshold, now, java.util.Set.of());
    }

    /**
     * As above, and fences the instances named in {@code fence}. A fenced instance stays fenced —
     * never routed to — while it claims to be primary or cannot be reached; it leaves the fence only
     * when it is observed replaying as a replica (it has been rejoined).
     */
    public static Topology next(Topology before, Map<String, ProbeResult> results, Map<String, Integer> streaks,
                                int threshold, Instant now, java.util.Set<String> fence) {
        return next(before, results, streaks, threshold, now, fence, java.util.Set.of());
    }

    /**
     * As above; the instances named in {@code promoted} (a hand-over's successor, now answering as
     * primary) leave the fence: they were only seen fenced halfway through their promotion.
     */
    public static Topology next(Topology before, Map<String, ProbeResult> results, Map<String, Integer> streaks,
                                int threshold, Instant now, java.util.Set<String> fence,
                                java.util.Set<String> promoted) {
        return next(before, results, streaks, threshold, now, fence, promoted, new PrimaryProgress(2));
    }

    /**
     * As above, with the primary's positions of earlier rounds: this round's is recorded in
     * {@code progress}, and replicas' lag is measured against them.
     */
    public static Topology next(Topology before, Map<String, ProbeResult> results, Map<String, Integer> streaks,
                                int threshold, Instant now, java.util.Set<String> fence,
                                java.util.Set<String> promoted, PrimaryProgress progress) {
        List<ProbeResult> primaries = results.values().stream()
                .filter(r -> r.ok() && r.role() == Role.PRIMARY).toList();
        if (primaries.size() == 1) {
            progress.record(primaries.get(0).position(), now);
        }
        List<InstanceState> instances = new ArrayList<>();
        for (InstanceState previous : before.instances()) {
            ProbeResult result = results.get(previous.name());
            boolean fenced = !promoted.contains(previous.name())
                    && (fence.contains(previous.name()) || previous.role() == Role.FENCED);
            if (fenced && (result == null || !result.ok() || result.role() != Role.REPLICA)) {
                instances.add(new InstanceState(previous.config(), Role.FENCED, previous.position(), -1,
                        result != null && result.ok() ? now : previous.observedAt(),
                        result == null ? previous.error() : result.error(), previous.received()));
            } else if (result == null) {
                instances.add(previous);
            } else if (result.ok()) {
                instances.add(new InstanceState(previous.config(), result.role(), result.position(),
                        lag(result, progress, now), now, null, result.received(),
                        result.role() == Role.REPLICA ? result.replicationError() : null));
            } else {
                int streak = streaks.getOrDefault(previous.name(), 1);
                boolean down = result.refused() || streak >= threshold || previous.role() == Role.DOWN;
                instances.add(new InstanceState(previous.config(), down ? Role.DOWN : previous.role(),
                        previous.position(), previous.lagMillis(), previous.observedAt(), result.error(),
                        previous.received(), down ? null : previous.replicationError()));
            }
        }
        fenceSecondPrimaries(before, instances);
        Topology draft = before.with(before.epoch(), instances, now);
        Optional<String> oldPrimary = before.primary().map(InstanceState::name);
        Optional<String> newPrimary = draft.primary().map(InstanceState::name);
        boolean primaryChanged = newPrimary.isPresent() && !newPrimary.equals(oldPrimary);
        return primaryChanged ? draft.with(before.epoch() + 1, instances, now) : draft;
    }

    /**
     * While the current epoch's primary still stands (not down), every other instance claiming the role
     * is fenced in place in {@code instances}: it was never seen as primary in this epoch.
     */
    private static void fenceSecondPrimaries(Topology before, List<InstanceState> instances) {
        String standing = before.primary().map(InstanceState::name)
                .filter(name -> instances.stream().anyMatch(i -> i.name().equals(name) && i.role() == Role.PRIMARY))
                .orElse(null);
        if (standing == null) {
            return;
        }
        instances.replaceAll(i -> i.role() != Role.PRIMARY || i.name().equals(standing) ? i
                : new InstanceState(i.config(), Role.FENCED, i.position(), -1, i.observedAt(), i.error(),
                        i.received()));
    }

    /**
     * The instances {@code after} fences for claiming to be primary beside the standing primary of
     * {@code before} (not those fenced by request, after a failover): a split brain to report loudly.
     */
    public static List<String> secondPrimaries(Topology before, Topology after, java.util.Set<String> requested) {
        List<String> names = new ArrayList<>();
        for (InstanceState now : after.instances()) {
            Role was = before.instance(now.name()).map(InstanceState::role).orElse(Role.DOWN);
            if (now.role() == Role.FENCED && was != Role.FENCED && !requested.contains(now.name())
                    && before.primary().isPresent()) {
                names.add(now.name());
            }
        }
        return names;
    }

    private static long lag(ProbeResult result, PrimaryProgress progress, Instant now) {
        return result.role() == Role.PRIMARY ? 0 : progress.lagMillis(result.position(), result.lastReplayAt(), now);
    }

    /** A short description of role changes between two snapshots, or empty when no role changed. */
    public static Optional<String> describeRoleChanges(Topology before, Topology after) {
        List<String> changes = new ArrayList<>();
        for (InstanceState now : after.instances()) {
            Role was = before.instance(now.name()).map(InstanceState::role).orElse(null);
            if (was != now.role()) {
                changes.add(now.name() + " " + (was == null ? "new" : was.wireName()) + " -> " + now.role().wireName()
                        + (now.error() != null ? " (" + now.error() + ")" : ""));
            }
        }
        if (after.epoch() != before.epoch()) {
            changes.add("epoch " + before.epoch() + " -> " + after.epoch());
        }
        return changes.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", changes));
    }
}
