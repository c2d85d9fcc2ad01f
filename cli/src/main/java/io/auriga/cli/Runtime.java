package io.auriga.cli;

import io.auriga.config.AurigaConfig;
import io.auriga.config.Engine;
import io.auriga.core.AurigaServer;
import io.auriga.core.failover.Rejoiner;
import io.auriga.core.session.Ticker;
import io.auriga.mysql.engine.MariaDbEngineSupport;
import io.auriga.pg.engine.PgEngineSupport;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A running proxy for the CLI: the server with every engine this build supports, stopped once on
 * close or when the JVM is asked to stop (Ctrl-C, SIGTERM).
 */
final class Runtime implements AutoCloseable {
    private final AurigaServer server;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;

    private Runtime(AurigaServer server) {
        this.server = server;
        this.hook = new Thread(this::stop, "auriga-shutdown");
    }

    static Runtime start(AurigaConfig config) throws IOException {
        return start(config, Map.of());
    }

    /** @param rejoiners per cluster, how to rejoin a fenced former primary (the demo's sandbox) */
    static Runtime start(AurigaConfig config, Map<String, Rejoiner> rejoiners) throws IOException {
        Clock clock = Clock.systemUTC();
        Ticker ticker = Ticker.SYSTEM;
        AurigaServer server = new AurigaServer(config, Map.of(Engine.POSTGRES, new PgEngineSupport(clock, ticker),
                Engine.MYSQL, new MariaDbEngineSupport(clock, ticker)), clock, rejoiners);
        server.start();
        Runtime runtime = new Runtime(server);
        java.lang.Runtime.getRuntime().addShutdownHook(runtime.hook);
        return runtime;
    }

    AurigaServer server() {
        return server;
    }

    /** Blocks until the JVM is asked to stop. */
    void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    private void stop() {
        server.close();
        stopped.countDown();
    }

    @Override
    public void close() {
        try {
            java.lang.Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyStopping) {
            return;
        }
        stop();
    }
}
