package io.auriga.sandbox.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.sandbox.SandboxException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class PgBinariesTest {

    @Test
    void readsTheMajorVersionFromPostgresVersionOutput() {
        assertEquals(15, PgBinaries.parseMajor("postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)"));
        assertEquals(17, PgBinaries.parseMajor("postgres (PostgreSQL) 17beta2\n"));
        assertEquals(9, PgBinaries.parseMajor("postgres (PostgreSQL) 9.6.24"));
    }

    @Test
    void refusesOutputWithoutAVersion() {
        assertThrows(SandboxException.class, () -> PgBinaries.parseMajor("command not found"));
    }

    @Test
    void foundBinariesIncludeTheServerTools() {
        PgBinaries.find().ifPresent(binaries -> {
            for (String tool : new String[] {"postgres", "initdb", "pg_ctl", "pg_basebackup", "pg_rewind"}) {
                assertTrue(Files.isExecutable(binaries.bin(tool)), tool + " in " + binaries.binDir());
            }
            assertTrue(binaries.majorVersion() >= 10, "major " + binaries.majorVersion());
        });
    }
}
