package io.auriga.sandbox.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PgSandboxOptionsTest {

    @Test
    void defaultsToTwoReplicasFreePortsAndTheDemoUser() {
        PgSandboxOptions options = PgSandboxOptions.builder(Path.of("demo")).build();
        assertEquals(2, options.replicas());
        assertEquals(0, options.basePort());
        assertEquals("auriga", options.database());
        assertEquals("auriga", options.user());
        assertEquals("auriga", options.password());
        assertTrue(options.adminPassword().isEmpty());
        assertTrue(options.directory().isAbsolute());
    }

    @Test
    void refusesNamesThatAreNotPlainIdentifiers() {
        assertThrows(IllegalArgumentException.class,
                () -> PgSandboxOptions.builder(Path.of("d")).database("bad\"name").build());
        assertThrows(IllegalArgumentException.class,
                () -> PgSandboxOptions.builder(Path.of("d")).user(PgSandboxOptions.ADMIN_USER, "x").build());
    }

    @Test
    void refusesABasePortWithoutRoomForEveryInstance() {
        assertThrows(IllegalArgumentException.class,
                () -> PgSandboxOptions.builder(Path.of("d")).basePort(65534).replicas(2).build());
    }

    @Test
    void socketDirectoryFallsBackToTcpOnlyWhenThePathIsTooLong() {
        assertEquals("/tmp/x/run", PgConfigFiles.socketDirectory(Path.of("/tmp/x/pg1")));
        assertEquals("", PgConfigFiles.socketDirectory(Path.of("/tmp/" + "d".repeat(100) + "/pg1")));
    }
}
