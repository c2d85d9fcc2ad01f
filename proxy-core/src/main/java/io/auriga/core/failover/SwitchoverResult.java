package io.auriga.core.failover;

import java.util.List;

/**
 * How a switchover request ended, as the admin API reports it.
 *
 * @param oldPrimary    the primary before, null when the request was refused before reading it
 * @param newPrimary    the primary after (the old one when rolled back), null when refused
 * @param pauseMillis   how long new transactions on the writer endpoints were held, -1 when never
 * @param durationMillis the whole switchover, including repointing replicas and rejoining the old primary
 * @param formerPrimary what became of the old primary: {@code replica} (rejoined), {@code fenced}
 *                      (read-only, for an operator to rejoin), {@code primary} (rolled back), or null
 * @param message       one sentence for the operator
 * @param steps         each step that ran, in order, with its duration
 */
public record SwitchoverResult(String cluster, Outcome outcome, String oldPrimary, String newPrimary,
                               long pauseMillis, long durationMillis, String formerPrimary, String message,
                               List<Step> steps) {

    public SwitchoverResult {
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    /** How it ended; each maps to one HTTP status. */
    public enum Outcome {
        /** The candidate is the primary and sessions moved to it. */
        COMPLETED(200),
        /** No such cluster or instance. */
        UNKNOWN(404),
        /** The cluster's state forbids it now (busy, no primary, ineligible target). */
        CONFLICT(409),
        /** A step before promotion failed; the old primary is writable again and sessions went on there. */
        ROLLED_BACK(500),
        /** The engine has no switchover steps. */
        UNSUPPORTED(501);

        private final int httpStatus;

        Outcome(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** One step and how long it took; {@code detail} says what it found or why it failed. */
    public record Step(String name, long millis, String detail) {
    }

    /** A request refused before anything changed. */
    public static SwitchoverResult refused(String cluster, Outcome outcome, String message) {
        return new SwitchoverResult(cluster, outcome, null, null, -1, 0, null, message, List.of());
    }
}
