package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Credentials;
import io.auriga.config.Engine;
import io.auriga.config.FailoverConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.config.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRejoinerTest {

    @TempDir
    Path dir;

    @Test
    void noCommandConfiguredMeansNoRejoiner() {
        assertTrue(CommandRejoiner.of(cluster(FailoverConfig.defaults())).isEmpty());
    }

    @Test
    void tellsTheCommandWhichInstanceToRejoinToWhichPrimary() throws Exception {
        Path out = dir.resolve("env");
        rejoiner("echo \"$AURIGA_CLUSTER $AURIGA_ENGINE $AURIGA_INSTANCE $AURIGA_INSTANCE_HOST:$AURIGA_INSTANCE_PORT "
                + "$AURIGA_PRIMARY $AURIGA_PRIMARY_HOST:$AURIGA_PRIMARY_PORT\" > '" + out + "'", Duration.ofSeconds(20))
                .rejoin("pg1", "pg2");
        assertEquals("main postgres pg1 10.0.0.1:5432 pg2 10.0.0.2:5433", Files.readString(out).strip());
    }

    @Test
    void aFailingCommandFailsTheRejoinWithItsStatusAndLastOutput() {
        IOException e = assertThrows(IOException.class, () -> rejoiner(
                "echo 'pg_rewind: source and target clusters are from different systems' >&2; exit 3",
                Duration.ofSeconds(20)).rejoin("pg1", "pg2"));
        assertTrue(e.getMessage().contains("exited with status 3"), e.getMessage());
        assertTrue(e.getMessage().contains("different systems"), e.getMessage());
    }

    @Test
    void aCommandRunningTooLongIsKilledWithWhatItStarted() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        IOException e = assertThrows(IOException.class, () -> rejoiner(
                "sleep 60 & echo $! > '" + pidFile + "'; echo started; wait", Duration.ofMillis(1500))
                .rejoin("pg1", "pg2"));
        assertTrue(e.getMessage().contains("did not finish within"), e.getMessage());
        assertTrue(e.getMessage().contains("started"), e.getMessage());
        long child = Long.parseLong(Files.readString(pidFile).strip());
        // Gone already, or exiting from the kill it was sent: either way it ends well within 10 s.
        Optional<ProcessHandle> running = ProcessHandle.of(child);
        if (running.isPresent()) {
            try {
                running.get().onExit().get(10, TimeUnit.SECONDS);
            } catch (TimeoutException stillRunning) {
                running.get().destroyForcibly();
                fail("the command's child process must be killed too; it still ran after 10 s");
            }
        }
    }

    @Test
    void anInstanceTheClusterDoesNotHaveIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> rejoiner("true", Duration.ofSeconds(20)).rejoin("pg9", "pg2"));
    }

    private static Rejoiner rejoiner(String command, Duration timeout) {
        return CommandRejoiner.of(cluster(FailoverConfig.defaults().withRejoinCommand(command, timeout)))
                .orElseThrow();
    }

    private static ClusterConfig cluster(FailoverConfig failover) {
        return new ClusterConfig("main", Engine.POSTGRES,
                List.of(new InstanceConfig("pg1", "10.0.0.1", 5432, 0, false),
                        new InstanceConfig("pg2", "10.0.0.2", 5433, 1, false)),
                new Credentials("admin", new Secret("pw", "inline")), List.of(), failover);
    }
}
