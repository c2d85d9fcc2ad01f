package io.auriga.sandbox;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of a sandbox's servers it owns (started or adopted, so closing stops exactly those) and
 * which it froze, with the signals that crash, freeze and thaw a server's processes. Each engine's
 * {@link ServerControl} finds the processes; this does the rest alike. Not thread-safe: the sandbox
 * calls it under its own lock.
 */
public final class ServerSignals {

    private static final Logger log = LoggerFactory.getLogger(ServerSignals.class);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);

    private final Set<String> owned = new LinkedHashSet<>();
    private final Set<String> paused = new LinkedHashSet<>();

    /** Records that this sandbox started or adopted {@code name}. */
    public void own(String name) {
        owned.add(name);
    }

    /** Records that {@code name} no longer runs by this sandbox's doing. */
    public void disown(String name) {
        owned.remove(name);
    }

    /** Whether this sandbox started or adopted {@code name} and has not stopped it. */
    public boolean owns(String name) {
        return owned.contains(name);
    }

    /** Forgets {@code name} entirely: neither owned nor paused. */
    public void forget(String name) {
        owned.remove(name);
        paused.remove(name);
    }

    /**
     * Crashes {@code name}: {@code SIGKILL} to every process of {@code tree}, as a lost host would.
     *
     * @throws SandboxException when a process survived
     */
    public void kill(String name, List<ProcessHandle> tree) {
        log.info("killing {} ({} processes)", name, tree.size());
        forget(name);
        ProcessTree.killOrThrow(name, tree, KILL_TIMEOUT);
    }

    /**
     * Freezes {@code name} with {@code SIGSTOP} to every process of {@code tree}: connections stay open
     * but nothing answers.
     *
     * @throws SandboxException when {@code tree} is empty: the server does not run
     */
    public void pause(String name, List<ProcessHandle> tree) {
        if (tree.isEmpty()) {
            throw new SandboxException(name + " is not running; nothing to pause");
        }
        log.info("pausing {} ({} processes)", name, tree.size());
        ProcessTree.signal(tree, "STOP");
        paused.add(name);
    }

    /** Undoes {@link #pause} with {@code SIGCONT} to the processes {@code tree} finds now; a no-op unless paused. */
    public void resume(String name, Supplier<List<ProcessHandle>> tree) {
        if (paused.remove(name)) {
            log.info("resuming {}", name);
            ProcessTree.signal(tree.get(), "CONT");
        }
    }

    /** Whether {@link #pause} froze {@code name} and {@link #resume} has not thawed it yet. */
    public boolean isPaused(String name) {
        return paused.contains(name);
    }
}
