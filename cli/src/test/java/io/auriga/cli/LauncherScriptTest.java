package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code auriga} launcher script, run by bash in a copy of the tree that holds only a built jar,
 * with a {@code java} on the PATH that prints what it was started with instead of running.
 */
class LauncherScriptTest {
    @TempDir
    Path root;

    @BeforeEach
    void copyTheScriptBesideABuiltJar() throws IOException {
        Files.copy(Path.of("..", "auriga"), root.resolve("auriga"));
        Files.createDirectories(root.resolve("cli/target"));
        Files.writeString(root.resolve("cli/target/auriga.jar"), "a jar newer than every source here");
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.writeString(bin.resolve("java"), "#!/usr/bin/env bash\necho \"args: $*\"\necho \"nofile: $(ulimit -Sn)\"\n");
        Files.setPosixFilePermissions(bin.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void boundsTheHeapUnlessTheOperatorDid() throws Exception {
        assertTrue(run(Map.of()).contains("args: -Xmx1g"), "default heap bound");
        assertTrue(run(Map.of("AURIGA_HEAP", "2g")).contains("args: -Xmx2g"));
        String own = run(Map.of("AURIGA_JAVA_OPTS", "-Xmx256m -Dx=y"));
        assertFalse(own.contains("-Xmx1g"), own);
        assertTrue(own.contains("-Xmx256m -Dx=y -jar " + root.resolve("cli/target/auriga.jar") + " status"), own);
        assertFalse(run(Map.of("JAVA_OPTS", "-XX:MaxRAMPercentage=50")).contains("-Xmx"));
    }

    @Test
    void raisesTheDescriptorLimitToTheHardLimit() throws Exception {
        long hard = Long.parseLong(shell("ulimit -Hn").strip());
        org.junit.jupiter.api.Assumptions.assumeTrue(hard > 64, "hard limit " + hard + " leaves nothing to raise");
        String out = shell("ulimit -Sn 64 && exec bash " + root.resolve("auriga") + " status");
        assertTrue(out.contains("nofile: " + hard), out);
    }

    private String run(Map<String, String> env) throws Exception {
        return shell("exec bash " + root.resolve("auriga") + " status", env);
    }

    private String shell(String script) throws Exception {
        return shell(script, Map.of());
    }

    private String shell(String script, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of("bash", "-c", script)).redirectErrorStream(true);
        builder.environment().remove("JAVA_OPTS");
        builder.environment().remove("AURIGA_JAVA_OPTS");
        builder.environment().remove("AURIGA_HEAP");
        builder.environment().putAll(env);
        builder.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the script did not end");
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), out);
            return out;
        } finally {
            process.destroyForcibly();
        }
    }
}
