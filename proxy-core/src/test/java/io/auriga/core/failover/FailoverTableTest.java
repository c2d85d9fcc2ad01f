package io.auriga.core.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.topology.FailoverState.Phase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailoverTableTest {

    @Test
    void eachStateAndEventHasAtMostOneRow() {
        Set<String> seen = new HashSet<>();
        for (FailoverTable.Row row : FailoverTable.rows()) {
            assertTrue(seen.add(row.from() + " " + row.event()), "two rows for " + row.from() + " " + row.event());
        }
    }

    @Test
    void everyStateIsReachedFromSteadyAndLeadsBackToIt() {
        Set<Phase> reached = EnumSet.of(Phase.STEADY);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (FailoverTable.Row row : FailoverTable.rows()) {
                if (reached.contains(row.from())) {
                    grew |= reached.add(row.to());
                }
            }
        }
        assertEquals(EnumSet.allOf(Phase.class), reached, "states no row leads to");
        for (Phase phase : Phase.values()) {
            Set<Phase> onward = EnumSet.of(phase);
            grew = true;
            while (grew) {
                grew = false;
                for (FailoverTable.Row row : FailoverTable.rows()) {
                    if (onward.contains(row.from())) {
                        grew |= onward.add(row.to());
                    }
                }
            }
            assertTrue(onward.contains(Phase.STEADY), phase + " never leads back to STEADY");
        }
    }

    @Test
    void everyRowSaysWhyAndLogsAPattern() {
        for (FailoverTable.Row row : FailoverTable.rows()) {
            assertTrue(!row.comment().isBlank() && !row.log().isBlank(), row.toString());
            assertTrue(row.level() != null, row.toString());
        }
    }

    @Test
    void theReadmeShowsTheTableAsItIs() throws Exception {
        Path readme = Path.of(System.getProperty("user.dir")).resolveSibling("README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        String begin = "<!-- failover-table:begin -->\n```mermaid\n";
        String end = "```\n<!-- failover-table:end -->";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        assertTrue(from >= 0 && to > from, "README.md has no failover-table block");
        assertEquals(FailoverTable.mermaid(), text.substring(from + begin.length(), to),
                "README.md's failover table differs from FailoverTable.mermaid(); paste the rendering there");
    }

    @Test
    void mermaidDrawsOneEdgePerRow() {
        List<String> lines = FailoverTable.mermaid().lines().toList();
        assertEquals("stateDiagram-v2", lines.get(0));
        assertEquals("    [*] --> STEADY", lines.get(1));
        assertEquals(FailoverTable.rows().size() + 2, lines.size());
        assertTrue(lines.contains("    PROMOTING --> AWAITING_PUBLICATION : promoted"));
    }
}
