package io.auriga.cli;

import io.auriga.config.AurigaConfig;
import io.auriga.config.ConfigException;
import io.auriga.config.ConfigLoader;
import io.auriga.core.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code auriga start -c auriga.yaml}: runs the endpoints of a configuration file until stopped.
 * SIGHUP reads the file again and applies what can change while running ({@code AurigaServer#reload}):
 * users, tokens, TLS files. A file with problems is refused and the running configuration stays.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Run the endpoints of a configuration file until Ctrl-C or SIGTERM.",
                "SIGHUP reloads the users, the tokens block and the TLS certificate and key from the file;"
                        + " other changes need a restart."})
final class StartCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(StartCommand.class);

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
            Signal.handle(new Signal("HUP"), signal -> reload(running));
            running.awaitShutdown();
        } catch (IOException | TlsMaterialException e) {
            // A port in use, an engine this build lacks, a key that is not the certificate's: the operator's
            // to fix, so a message (naming the file), not a stack trace.
            System.err.println("auriga start: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private void reload(Runtime running) {
        log.info("SIGHUP: reading {} again", config);
        try {
            running.server().reload(ConfigLoader.load(config));
        } catch (ConfigException e) {
            log.error("reload refused, the running configuration stays: {}: {}", config,
                    String.join("; ", e.problems()));
        } catch (RuntimeException e) {
            log.error("reload refused, the running configuration stays: {}", e.toString());
        }
    }
}
