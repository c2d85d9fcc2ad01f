package io.auriga.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {

    @Test
    void anErrorPrintedBeforePagesOfUsageTextIsKept() {
        String usage = IntStream.rangeClosed(1, 60).mapToObj(i -> "  --option-" + i + "   what it does")
                .collect(Collectors.joining("\n"));
        String output = "Installing MariaDB/MySQL system tables in '/tmp/x' ...\n"
                + "ERROR: 1 Can't create/write to file '/tmp/x/aria_log_control' (Errcode: 13 \"Permission denied\")\n"
                + usage + "\n";
        String section = ProcessRunner.tailSection(output);
        assertTrue(section.startsWith("; earlier errors:\nERROR: 1 Can't create/write to file"), section);
        assertTrue(section.contains("; last output:\n  --option-36 "), section);
        assertTrue(section.endsWith("--option-60   what it does"), section);
        assertFalse(section.contains("Installing MariaDB"), "only error lines come from before the tail");
    }

    @Test
    void shortOutputIsShownWhole() {
        assertEquals("; last output:\nERROR: no space\nbye", ProcessRunner.tailSection("ERROR: no space\nbye\n"));
        assertEquals("", ProcessRunner.tailSection(" \n"));
    }
}
