package io.auriga.sandbox;

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
 * version and each instance's port, in order (the first, {@code pg1} or {@code my1}, was
 * provisioned as the primary).
 *
 * <p>The file is written last, atomically, so its presence means the cluster in {@code DIR} is
 * complete and can be started again as it is.
 *
 * @param majorVersion the major version of the server that initialised the cluster ({@code 15} for
 *                     PostgreSQL 15, {@code 10.11} for MariaDB 10.11)
 * @param ports        instance name to port, in instance order
 */
public record SandboxState(String majorVersion, Map<String, Integer> ports) {

    /** The file's name inside the sandbox directory. */
    public static final String FILE = "sandbox.properties";

    public SandboxState {
        if (majorVersion == null || majorVersion.isBlank()) {
            throw new IllegalArgumentException("majorVersion is required");
        }
        ports = Collections.unmodifiableMap(new LinkedHashMap<>(ports));
    }

    /** The recorded state of {@code dir}, or empty when no provisioning finished there. */
    public static Optional<SandboxState> read(Path dir) {
        return read(dir, FILE);
    }

    /**
     * As {@link #read(Path)}, from the file {@code fileName}: sandboxes of different engines can share
     * one directory, each with its own record.
     */
    public static Optional<SandboxState> read(Path dir, String fileName) {
        Path file = dir.resolve(fileName);
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
            return Optional.of(new SandboxState(props.getProperty("major", "").trim(), ports));
        } catch (IOException | RuntimeException e) {
            if (e instanceof SandboxException se) {
                throw se;
            }
            throw new SandboxException("cannot read " + file + " (delete the directory to start afresh): " + e, e);
        }
    }

    /** Records this state in {@code dir}, replacing any earlier record atomically. */
    public void write(Path dir) {
        write(dir, FILE);
    }

    /** As {@link #write(Path)}, to the file {@code fileName}. */
    public void write(Path dir, String fileName) {
        Properties props = new Properties();
        props.setProperty("major", majorVersion);
        props.setProperty("instances", String.join(",", ports.keySet()));
        ports.forEach((name, port) -> props.setProperty(name + ".port", Integer.toString(port)));
        Path tmp = dir.resolve(fileName + ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            props.store(out, "Auriga sandbox; the first instance was provisioned as the primary");
        } catch (IOException e) {
            throw new SandboxException("cannot write " + tmp + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, dir.resolve(fileName), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new SandboxException("cannot write " + dir.resolve(fileName) + ": " + e.getMessage(), e);
        }
    }

    /** Names of the instances, {@code <prefix>1} to {@code <prefix><count>}, e.g. {@code pg1}, {@code pg2}. */
    public static String[] instanceNames(String prefix, int count) {
        String[] names = new String[count];
        Arrays.setAll(names, i -> prefix + (i + 1));
        return names;
    }
}
