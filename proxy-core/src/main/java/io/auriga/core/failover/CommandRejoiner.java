package io.auriga.core.failover;

import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rejoins a fenced former primary by running the operator's {@code rejoin-command} (cluster
 * config, {@code failover} section) through {@code /bin/sh -c}, for clusters whose servers Auriga
 * does not manage. The command learns what to do from its environment:
 * <pre>
 *   AURIGA_CLUSTER    cluster name             AURIGA_ENGINE          postgres | mysql
 *   AURIGA_INSTANCE   the former primary       AURIGA_INSTANCE_HOST   AURIGA_INSTANCE_PORT
 *   AURIGA_PRIMARY    the current primary      AURIGA_PRIMARY_HOST    AURIGA_PRIMARY_PORT
 * </pre>
 * It must return only once the instance replicates from the primary (exit status 0), or fail with
 * a non-zero status. Its output is logged line by line; it is killed, with whatever it started,
 * when it runs past {@code rejoin-timeout}.
 */
public final class CommandRejoiner implements Rejoiner {
    private static final Logger log = LoggerFactory.getLogger(CommandRejoiner.class);
    private static final int OUTPUT_TAIL_LINES = 20;

    private final ClusterConfig cluster;
    private final String command;
    private final Duration timeout;

    CommandRejoiner(ClusterConfig cluster, String command, Duration timeout) {
        this.cluster = cluster;
        this.command = command;
        this.timeout = timeout;
    }

    /** The cluster's rejoin command, if its config names one. */
    public static Optional<Rejoiner> of(ClusterConfig cluster) {
        String command = cluster.failover().rejoinCommand();
        return command == null ? Optional.empty()
                : Optional.of(new CommandRejoiner(cluster, command, cluster.failover().rejoinTimeout()));
    }

    @Override
    public void rejoin(String instance, String primary) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.put("AURIGA_CLUSTER", cluster.name());
        env.put("AURIGA_ENGINE", cluster.engine().configName());
        describe(env, "AURIGA_INSTANCE", instance(instance));
        describe(env, "AURIGA_PRIMARY", instance(primary));
        log.info("cluster {}: running the rejoin command for {} (primary {}): {}", cluster.name(), instance, primary,
                command);
        Process process = builder.start();
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(() -> relayOutput(process, instance, tail), "auriga-rejoin-" + instance);
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new IOException("the rejoin command for " + instance + " did not finish within " + timeout
                        + " and was killed" + lastLines(reader, tail));
            }
        } catch (InterruptedException e) {
            kill(process);
            throw e;
        }
        int status = process.exitValue();
        if (status != 0) {
            throw new IOException("the rejoin command for " + instance + " exited with status " + status
                    + lastLines(reader, tail));
        }
    }

    private InstanceConfig instance(String name) {
        return cluster.instances().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("cluster " + cluster.name() + " has no instance "
                        + name));
    }

    private static void describe(Map<String, String> env, String prefix, InstanceConfig instance) {
        env.put(prefix, instance.name());
        env.put(prefix + "_HOST", instance.host());
        env.put(prefix + "_PORT", Integer.toString(instance.port()));
    }

    private void relayOutput(Process process, String instance, Deque<String> tail) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                log.info("cluster {}: rejoin {}: {}", cluster.name(), instance, line);
                synchronized (tail) {
                    if (tail.size() == OUTPUT_TAIL_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                }
            }
        } catch (IOException e) {
            log.debug("rejoin command output of {} ended: {}", instance, e.getMessage());
        }
    }

    private static String lastLines(Thread reader, Deque<String> tail) throws InterruptedException {
        reader.join(1000);
        synchronized (tail) {
            return tail.isEmpty() ? "" : "; last output:\n" + String.join("\n", tail);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
