package io.auriga.cli;

import io.auriga.config.AurigaConfig;
import io.auriga.config.ConfigException;
import io.auriga.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code auriga start -c auriga.yaml}: runs the endpoints of a configuration file until stopped. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Run the endpoints of a configuration file until Ctrl-C or SIGTERM.")
final class StartCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "Configuration file (YAML).")
    Path config;

    @Override
    public Integer call() throws Exception {
        AurigaConfig loaded;
        try {
            loaded = ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        try (Runtime running = Runtime.start(loaded)) {
            running.awaitShutdown();
        } catch (IOException e) {
            // A port in use or an engine this build lacks: the operator's to fix, so a message, not a stack trace.
            System.err.println("auriga start: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
