package io.auriga.sandbox;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The states a sandbox goes through — new, started, closed — and the JVM shutdown hook that
 * closes it when the JVM is terminated. Not thread-safe: a sandbox calls it under its own lock.
 */
public final class SandboxLifecycle {

    private final String hookName;
    private ShutdownHook hook;
    private boolean started;
    private boolean closed;

    /** @param hookName the name of the shutdown hook's thread */
    public SandboxLifecycle(String hookName) {
        this.hookName = hookName;
    }

    /**
     * Marks the sandbox started and registers {@code close} as the shutdown hook.
     *
     * @throws IllegalStateException when already started or closed
     */
    public void start(Runnable close) {
        if (started || closed) {
            throw new IllegalStateException(closed ? "sandbox is closed" : "sandbox already started");
        }
        started = true;
        hook = ShutdownHook.register(hookName, close);
    }

    /** @throws IllegalStateException unless {@link #start} was called */
    public void requireStarted() {
        if (!started) {
            throw new IllegalStateException("sandbox not started");
        }
    }

    /** @throws IllegalStateException unless started and not closed */
    public void requireOpen() {
        if (closed) {
            throw new IllegalStateException("sandbox is closed");
        }
        requireStarted();
    }

    /**
     * Marks the sandbox closed and removes the shutdown hook.
     *
     * @return false when it was closed already (the caller has nothing left to do)
     */
    public boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        if (hook != null) {
            hook.remove();
        }
        return true;
    }

    /** Checks shared by every sandbox's options: replica count, base port and start timeout. */
    public static void checkOptions(int replicas, int basePort, Duration startTimeout) {
        if (replicas < 0 || replicas > 8) {
            throw new IllegalArgumentException("replicas must be between 0 and 8, got " + replicas);
        }
        if (basePort != 0 && (basePort < 1024 || basePort + replicas > 65535)) {
            throw new IllegalArgumentException("basePort must be 0 or leave room for every instance below 65536, got "
                    + basePort);
        }
        if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout must be positive, got " + startTimeout);
        }
    }

    /**
     * Checks an options field that names a database object.
     *
     * @param rule what {@code pattern} demands, for the message ({@code lower-case SQL identifier (…)})
     * @throws IllegalArgumentException when {@code value} is null or does not match {@code pattern}
     */
    public static void requireIdentifier(String field, String value, Pattern pattern, String rule) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be a " + rule + ", got " + value);
        }
    }
}
