package io.auriga.sandbox;

import java.util.List;

/**
 * Starts, stops and signals an engine's sandbox servers and remembers which ones it owns (started
 * or adopted). Implementations need not be thread-safe: {@link SandboxInstances} calls them under
 * its sandbox's lock.
 *
 * @param <I> the engine's instance type
 */
public interface ServerControl<I extends SandboxInstance> {

    /** Starts {@code instance} and waits until it accepts connections; adopts it when it already runs. */
    void start(I instance);

    /** Stops {@code instance} cleanly and returns once it has exited. */
    void stop(I instance);

    /** Crashes {@code instance}: {@code SIGKILL} to every one of its processes. */
    void kill(I instance);

    /** Freezes {@code instance} ({@code SIGSTOP}) until {@link #resume}. */
    void pause(I instance);

    /** Undoes {@link #pause}. */
    void resume(I instance);

    /** Whether {@link #pause} froze the instance and {@link #resume} has not thawed it yet. */
    boolean isPaused(I instance);

    /** Whether a server runs for {@code instance}, whoever started it. */
    boolean isRunning(I instance);

    /** Stops every owned instance, replicas before the primary. Never throws; problems are logged. */
    void stopAll(List<I> instances);
}
