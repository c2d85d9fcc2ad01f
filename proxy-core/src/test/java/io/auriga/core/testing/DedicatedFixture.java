package io.auriga.core.testing;

import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fixture of one test class's own, for tests that break it (kill, pause, promote): started before
 * the class, closed after it. Register with {@code @RegisterExtension static final}.
 *
 * @param <T> the fixture, a proxied cluster
 */
public final class DedicatedFixture<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {

    /** Starts the fixture. */
    public interface Start<T> {
        T start() throws Exception;
    }

    private final Start<T> start;
    private final Consumer<T> beforeClose;
    private T fixture;

    /** @param beforeClose what must happen before the fixture closes cleanly (resuming paused servers) */
    public DedicatedFixture(Start<T> start, Consumer<T> beforeClose) {
        this.start = start;
        this.beforeClose = beforeClose;
    }

    public T get() {
        return fixture;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        fixture = start.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (fixture != null) {
            try {
                beforeClose.accept(fixture);
            } finally {
                fixture.close();
            }
        }
    }

    /**
     * The one fixture of {@code type} for the whole test run, started on first use; the root store
     * closes it when the run ends.
     */
    public static <T extends AutoCloseable> T shared(ExtensionContext context, Class<T> type, Start<T> start) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).computeIfAbsent(type, k -> {
            try {
                return start.start();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the test cluster", e);
            }
        }, type);
    }
}
