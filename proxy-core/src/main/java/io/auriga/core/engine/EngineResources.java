package io.auriga.core.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * What an {@link EngineSupport} opened for the clusters it serves (credential sources and their
 * pools), closed together when the engine support is. Thread-safe.
 */
public final class EngineResources implements AutoCloseable {

    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Registers {@code resource} to be closed by {@link #close()} and returns it. */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        resources.add(resource);
        return resource;
    }

    /** Closes every registered resource, in registration order; failures are ignored. */
    @Override
    public synchronized void close() {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception ignored) {
                // Closing on shutdown: nothing useful to do with a failure here.
            }
        }
        resources.clear();
    }
}
