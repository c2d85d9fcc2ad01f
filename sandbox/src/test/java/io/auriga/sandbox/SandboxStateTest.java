package io.auriga.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxStateTest {

    @TempDir
    Path dir;

    @Test
    void absentWhenNoProvisioningFinished() {
        assertTrue(SandboxState.read(dir).isEmpty());
    }

    @Test
    void roundTripsPortsInInstanceOrder() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("pg1", 7001);
        ports.put("pg2", 7002);
        ports.put("pg10", 7010);
        new SandboxState("15", ports).write(dir);

        SandboxState read = SandboxState.read(dir).orElseThrow();
        assertEquals("15", read.majorVersion());
        assertEquals(List.of("pg1", "pg2", "pg10"), List.copyOf(read.ports().keySet()));
        assertEquals(7010, read.ports().get("pg10"));
    }

    @Test
    void aDamagedRecordIsReportedWithItsPath() throws Exception {
        Files.writeString(dir.resolve(SandboxState.FILE), "major=15\ninstances=pg1\n");
        SandboxException e = assertThrows(SandboxException.class, () -> SandboxState.read(dir));
        assertTrue(e.getMessage().contains(SandboxState.FILE), e.getMessage());
    }

    @Test
    void keepsAMajorVersionWithAMinorPart() {
        new SandboxState("10.11", Map.of("my1", 7001)).write(dir);
        assertEquals("10.11", SandboxState.read(dir).orElseThrow().majorVersion());
    }

    @Test
    void namesInstancesFromOneWithTheEnginesPrefix() {
        assertArrayEquals(new String[] {"pg1", "pg2", "pg3"}, SandboxState.instanceNames("pg", 3));
        assertArrayEquals(new String[] {"my1", "my2"}, SandboxState.instanceNames("my", 2));
    }
}
