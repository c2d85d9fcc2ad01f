package io.auriga.sandbox.pg;

import io.auriga.sandbox.ProcessTree;
import io.auriga.sandbox.SandboxException;
import io.auriga.sandbox.ServerControl;
import io.auriga.sandbox.ServerSignals;
import io.auriga.sandbox.pg.PgSandbox.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, stops and signals the servers of a sandbox, and remembers which ones it owns (started
 * or adopted), so that closing the sandbox stops exactly those. Not thread-safe: {@link PgSandbox}
 * calls it under its own lock.
 */
final class InstanceControl implements ServerControl<Instance> {

    private static final Logger log = LoggerFactory.getLogger(InstanceControl.class);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration IMMEDIATE_STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration EXIT_GRACE = Duration.ofSeconds(5);
    private static final Duration ZOMBIE_REAP_WAIT = Duration.ofSeconds(3);

    private final PgCommands commands;
    private final Duration startTimeout;
    private final ServerSignals signals = new ServerSignals();

    InstanceControl(PgCommands commands, Duration startTimeout) {
        this.commands = commands;
        this.startTimeout = startTimeout;
    }

    /**
     * Starts the instance's server and waits until it accepts connections. A server already running
     * on its data directory (left by an earlier run that was killed) is adopted as it is.
     */
    @Override
    public void start(Instance instance) {
        if (Postmaster.of(instance.dataDir()).isPresent()) {
            log.info("{} is already running on port {}; adopting it", instance.name(), instance.port());
        } else {
            log.info("starting {} on 127.0.0.1:{}", instance.name(), instance.port());
            Postmaster.clearZombieLock(instance.dataDir(), ZOMBIE_REAP_WAIT);
            commands.start(instance.dataDir(), startTimeout);
        }
        signals.own(instance.name());
    }

    /**
     * Stops the instance cleanly ({@code pg_ctl stop -m fast}: clients disconnected, checkpoint
     * written) and returns once its processes are gone and its port is free.
     */
    @Override
    public void stop(Instance instance) {
        resume(instance);
        log.info("stopping {}", instance.name());
        List<ProcessHandle> tree = Postmaster.tree(instance.dataDir());
        commands.stop(instance.dataDir(), "fast", STOP_TIMEOUT);
        signals.disown(instance.name());
        List<ProcessHandle> alive = ProcessTree.awaitExit(tree, EXIT_GRACE);
        if (!alive.isEmpty()) {
            throw new SandboxException("processes of " + instance.name() + " outlived pg_ctl stop: "
                    + ProcessTree.pids(alive));
        }
    }

    /**
     * Makes sure the instance is not running: {@link #stop} when it runs, {@link #kill} when that fails
     * (a hung server, a shutdown that does not finish in time). Whether it ends clean or crashed, its
     * control file says which.
     */
    void stopOrKill(Instance instance) {
        if (Postmaster.of(instance.dataDir()).isEmpty()) {
            signals.forget(instance.name());
            return;
        }
        try {
            stop(instance);
        } catch (SandboxException e) {
            log.warn("cannot stop {} cleanly; killing it: {}", instance.name(), e.getMessage());
            kill(instance);
        }
    }

    /**
     * Crashes the instance: {@code SIGKILL} to the postmaster and every process it forked, as a lost
     * host would. Clients see their connections reset; the next start performs crash recovery.
     */
    @Override
    public void kill(Instance instance) {
        signals.kill(instance.name(), Postmaster.tree(instance.dataDir()));
    }

    /**
     * Freezes the instance with {@code SIGSTOP} to the postmaster and its children: connections stay
     * open but nothing answers, as with a hung host or a network partition. Best-effort: a backend
     * forked while signalling is not frozen.
     */
    @Override
    public void pause(Instance instance) {
        signals.pause(instance.name(), Postmaster.tree(instance.dataDir()));
    }

    /** Undoes {@link #pause}: {@code SIGCONT} to the postmaster and its children. A no-op unless paused. */
    @Override
    public void resume(Instance instance) {
        signals.resume(instance.name(), () -> Postmaster.tree(instance.dataDir()));
    }

    /** Whether {@link #pause} froze the instance and {@link #resume} has not thawed it yet. */
    @Override
    public boolean isPaused(Instance instance) {
        return signals.isPaused(instance.name());
    }

    /** Whether a server runs on the instance's data directory, whoever started it. */
    @Override
    public boolean isRunning(Instance instance) {
        return Postmaster.of(instance.dataDir()).isPresent();
    }

    /**
     * Stops every owned instance, in reverse order of {@code instances} (replicas before the
     * primary): {@code pg_ctl stop -m immediate}, then {@code SIGKILL} to whatever process of it is
     * left. Never throws; problems are logged.
     */
    @Override
    public void stopAll(List<Instance> instances) {
        List<Instance> reversed = new ArrayList<>(instances);
        Collections.reverse(reversed);
        for (Instance instance : reversed) {
            if (signals.owns(instance.name())) {
                stopImmediately(instance);
            }
        }
    }

    private void stopImmediately(Instance instance) {
        List<ProcessHandle> tree = Postmaster.tree(instance.dataDir());
        if (tree.isEmpty()) {
            signals.disown(instance.name());
            log.info("{} was no longer running", instance.name());
            return;
        }
        try {
            resume(instance);
            commands.stop(instance.dataDir(), "immediate", IMMEDIATE_STOP_TIMEOUT);
        } catch (RuntimeException e) {
            log.warn("cannot stop {} with pg_ctl; killing its processes: {}", instance.name(), e.getMessage());
        }
        // pg_ctl returns once postmaster.pid is gone, a moment before the processes themselves.
        List<ProcessHandle> leftovers = ProcessTree.awaitExit(tree, EXIT_GRACE);
        if (!leftovers.isEmpty()) {
            log.warn("{} processes of {} outlived pg_ctl stop; killing them", leftovers.size(), instance.name());
            List<ProcessHandle> alive = ProcessTree.killAll(leftovers, KILL_TIMEOUT);
            if (!alive.isEmpty()) {
                log.warn("processes of {} survived SIGKILL: {}", instance.name(), ProcessTree.pids(alive));
            }
        }
        signals.disown(instance.name());
        log.info("stopped {}", instance.name());
    }
}
