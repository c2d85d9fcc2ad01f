package io.auriga.cli;

import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code auriga} command: one subcommand per task. */
@Command(name = "auriga", mixinStandardHelpOptions = true, versionProvider = AurigaCommand.Version.class,
        description = "Writer and reader endpoints with automatic failover for PostgreSQL and MySQL clusters.",
        subcommands = {StartCommand.class, DemoCommand.class, StatusCommand.class, SwitchoverCommand.class,
                TokenCommand.class, CertCommand.class,
                CommandLine.HelpCommand.class})
public final class AurigaCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Leak tracking samples buffers on the relay's hot path; the tests run it at "paranoid".
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        System.exit(new CommandLine(new AurigaCommand()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = AurigaCommand.class.getPackage().getImplementationVersion();
            return new String[] {"auriga " + (v == null ? "development build" : v)};
        }
    }
}
