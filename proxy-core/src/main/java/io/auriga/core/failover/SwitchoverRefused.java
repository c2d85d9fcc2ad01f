package io.auriga.core.failover;

/** A switchover request that cannot be carried out, and why, before anything was changed. */
public final class SwitchoverRefused extends Exception {
    private final SwitchoverResult.Outcome outcome;

    SwitchoverRefused(SwitchoverResult.Outcome outcome, String message) {
        super(message, null, false, false);
        this.outcome = outcome;
    }

    /** {@code UNKNOWN} for a name that does not exist, {@code CONFLICT} for a state that forbids it. */
    public SwitchoverResult.Outcome outcome() {
        return outcome;
    }
}
