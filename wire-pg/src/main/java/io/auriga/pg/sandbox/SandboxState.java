package io.auriga.pg.sandbox;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What a finished provisioning recorded in {@code DIR/sandbox.properties}: the server major
 * version and each instance's port, in order ({@code pg1} first).
 *
 * <p>The file is written last, atomically, so its presence means the cluster in {@code DIR} is
 * complete and can be started again as it is.
 *
 * @param majorVersion the PostgreSQL major version that initialised the cluster
 * @param ports        instance name to port, in instance order
 */
record SandboxState(int majorVersion, Map<String, Integer> ports) {

    static final String FILE = "sandbox.properties";

    SandboxState {
        ports = Collections.unmodifiableMap(new LinkedHashMap<>(ports));
    }

    /** The recorded state of {@code dir}, or empty when no provisioning finished there. */
    static Optional<SandboxState> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
            Map<String, Integer> ports = new LinkedHashMap<>();
            for (String name : props.getProperty("instances", "").split(",")) {
                if (!name.isBlank()) {
                    ports.put(name.trim(), Integer.parseInt(props.getProperty(name.trim() + ".port").trim()));
                }
            }
            if (ports.isEmpty()) {
                throw new SandboxException(file + " names no instances");
            }
            return Optional.of(new SandboxState(Integer.parseInt(props.getProperty("major").trim()), ports));
        } catch (IOException | RuntimeException e) {
            if (e instanceof SandboxException se) {
                throw se;
            }
            throw new SandboxException("cannot read " + file + " (delete the directory to start afresh): " + e, e);
        }
    }

    /** Records this state in {@code dir}, replacing any earlier record atomically. */
    void write(Path dir) {
        Properties props = new Properties();
        props.setProperty("major", Integer.toString(majorVersion));
        props.setProperty("instances", String.join(",", ports.keySet()));
        ports.forEach((name, port) -> props.setProperty(name + ".port", Integer.toString(port)));
        Path tmp = dir.resolve(FILE + ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            props.store(out, "Auriga PostgreSQL sandbox; pg1 was provisioned as the primary");
        } catch (IOException e) {
            throw new SandboxException("cannot write " + tmp + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new SandboxException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Names of the instances, {@code pg1} to {@code pg<count>}. */
    static String[] instanceNames(int count) {
        String[] names = new String[count];
        Arrays.setAll(names, i -> "pg" + (i + 1));
        return names;
    }
}
