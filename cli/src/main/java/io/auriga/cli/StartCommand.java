package io.auriga.cli;

import io.auriga.config.AurigaConfig;
import io.auriga.config.ConfigException;
import io.auriga.config.ConfigLoader;
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
        }
        return 0;
    }
}
