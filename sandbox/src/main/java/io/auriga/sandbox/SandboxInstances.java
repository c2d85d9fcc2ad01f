package io.auriga.sandbox;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every engine's sandbox does alike around its servers: the lifecycle (new, started, closed,
 * with the JVM shutdown hook), the instances in provisioning order and the per-instance operations
 * (stop, kill, start, pause, resume), each checked against the lifecycle and handed to the engine's
 * {@link ServerControl}. The sandbox keeps what is its engine's own: provisioning, roles, SQL.
 *
 * <p>Not thread-safe: a sandbox calls it under its own lock.
 *
 * @param <I> the engine's instance type
 */
public final class SandboxInstances<I extends SandboxInstance> {

    private static final Logger log = LoggerFactory.getLogger(SandboxInstances.class);

    /**
     * Asks one running instance whether it takes writes.
     *
     * @param <I> the engine's instance type
     */
    @FunctionalInterface
    public interface WritableCheck<I> {
        /** Whether {@code instance} takes writes now. */
        boolean takesWrites(I instance) throws SQLException;
    }

    private final SandboxLifecycle lifecycle;
    private ServerControl<I> control;
    private List<I> instances = List.of();

    /** @param hookName the name of the shutdown hook's thread */
    public SandboxInstances(String hookName) {
        this.lifecycle = new SandboxLifecycle(hookName);
    }

    /**
     * Marks the sandbox started and registers {@code close} as the shutdown hook.
     *
     * @throws IllegalStateException when already started or closed
     */
    public void start(Runnable close) {
        lifecycle.start(close);
    }

    /** The engine's control of its servers, once the sandbox knows its binaries. */
    public void control(ServerControl<I> serverControl) {
        this.control = serverControl;
    }

    /** The engine's control of its servers; null before {@link #control(ServerControl)}. */
    public ServerControl<I> control() {
        return control;
    }

    /**
     * Plans a new cluster: {@code count} instances named {@code prefix1}, {@code prefix2}, … on ports
     * from {@code basePort} (0 for free ones), refusing a directory that already holds instance data.
     *
     * @return the planned instances, which this object now holds
     */
    public List<I> plan(SandboxDirectory directory, String prefix, int count, int basePort,
            BiFunction<String, Integer, I> factory) {
        String[] names = SandboxState.instanceNames(prefix, count);
        directory.requireNoInstanceData(names);
        List<Integer> ports = Ports.allocate(basePort, names.length);
        List<I> planned = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            planned.add(factory.apply(names[i], ports.get(i)));
        }
        instances = List.copyOf(planned);
        return instances;
    }

    /**
     * Takes the instances a finished provisioning recorded.
     *
     * @return them, which this object now holds
     */
    public List<I> adopt(SandboxState state, BiFunction<String, Integer, I> factory) {
        List<I> found = new ArrayList<>();
        state.ports().forEach((name, port) -> found.add(factory.apply(name, port)));
        instances = List.copyOf(found);
        return instances;
    }

    /** Every instance, the provisioned primary first, without checking the lifecycle. */
    public List<I> all() {
        return instances;
    }

    /**
     * Every instance, the provisioned primary first.
     *
     * @throws IllegalStateException unless started
     */
    public List<I> list() {
        lifecycle.requireStarted();
        return instances;
    }

    /** The instance called {@code name}. */
    public I byName(String name) {
        return list().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no instance " + name + " in " + instances));
    }

    /** The record of this cluster for {@link SandboxState#write}: instance name to port. */
    public SandboxState state(String majorVersion) {
        Map<String, Integer> recorded = new LinkedHashMap<>();
        instances.forEach(instance -> recorded.put(instance.name(), instance.port()));
        return new SandboxState(majorVersion, recorded);
    }

    /**
     * The one running, unpaused instance that takes writes, as {@code check} finds; empty when none
     * does or it does not answer.
     *
     * @throws SandboxException when two instances both take writes (split brain)
     */
    public Optional<I> writable(WritableCheck<I> check) {
        List<I> writable = new ArrayList<>();
        for (I instance : instances) {
            if (control.isPaused(instance) || !control.isRunning(instance)) {
                continue;
            }
            try {
                if (check.takesWrites(instance)) {
                    writable.add(instance);
                }
            } catch (SQLException e) {
                log.debug("cannot ask {} for its role: {}", instance.name(), e.getMessage());
            }
        }
        if (writable.size() > 1) {
            throw new SandboxException("more than one instance takes writes: "
                    + writable.stream().map(SandboxInstance::name).toList());
        }
        return writable.stream().findFirst();
    }

    /** Stops {@code name} cleanly. */
    public void stop(String name) {
        requireOpen();
        control.stop(byName(name));
    }

    /** Crashes {@code name} with {@code SIGKILL}. */
    public void kill(String name) {
        requireOpen();
        control.kill(byName(name));
    }

    /** Starts {@code name} again; adopts it when it already runs. */
    public void start(String name) {
        requireOpen();
        control.start(byName(name));
    }

    /** Freezes {@code name} until {@link #resume}. */
    public void pause(String name) {
        requireOpen();
        control.pause(byName(name));
    }

    /** Undoes {@link #pause}. */
    public void resume(String name) {
        requireOpen();
        control.resume(byName(name));
    }

    /** Stops every server the control owns; a no-op before there is a control. Never throws. */
    public void stopAll() {
        if (control != null) {
            control.stopAll(instances);
        }
    }

    /**
     * Closes the sandbox as both engines do: stops what it owns (after {@code beforeStop}, when there
     * is a control) and, when {@code delete}, deletes {@code directory}. Idempotent.
     */
    public void close(Runnable beforeStop, boolean delete, SandboxDirectory directory) {
        if (!lifecycle.close()) {
            return;
        }
        if (control != null) {
            beforeStop.run();
            control.stopAll(instances);
        }
        if (delete && directory != null) {
            directory.delete();
        }
    }

    /** @throws IllegalStateException unless started */
    public void requireStarted() {
        lifecycle.requireStarted();
    }

    /** @throws IllegalStateException unless started and not closed */
    public void requireOpen() {
        lifecycle.requireOpen();
    }

    /** {@code my1 on 3307, my2 on 3308}, for the log. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (I instance : instances) {
            sb.append(sb.length() == 0 ? "" : ", ").append(instance.name()).append(" on ").append(instance.port());
        }
        return sb.toString();
    }
}
