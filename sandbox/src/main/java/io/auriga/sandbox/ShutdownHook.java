package io.auriga.sandbox;

/**
 * Runs a sandbox's {@code close} when the JVM is terminated (SIGTERM, Ctrl-C, end of main), so
 * servers it started do not outlive it. {@link #remove()} is for the normal path, where the sandbox
 * was closed already; calling it from the hook itself is harmless.
 */
public final class ShutdownHook {

    private final Thread thread;

    private ShutdownHook(Thread thread) {
        this.thread = thread;
    }

    /** Registers {@code close} to run at JVM shutdown in a thread called {@code name}. */
    public static ShutdownHook register(String name, Runnable close) {
        Thread thread = new Thread(close, name);
        Runtime.getRuntime().addShutdownHook(thread);
        return new ShutdownHook(thread);
    }

    /** Unregisters the hook; a no-op once the JVM is shutting down or when called from the hook. */
    public void remove() {
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(thread);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs close(), which is idempotent
        }
    }
}
