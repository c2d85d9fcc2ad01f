package io.auriga.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionLifeTest {
    private long now = 1_000_000_000L;
    private final SessionLife life = new SessionLife(() -> "session 7", () -> now);

    @Test
    void aSessionGoesFromStartToRelayAndMovesAndReplays() {
        assertEquals(SessionPhase.STARTING, life.phase());
        life.to(SessionPhase.AUTHENTICATING);
        life.to(SessionPhase.CONNECTING);
        life.to(SessionPhase.RELAYING);
        now += 5_000_000;
        assertEquals(5, life.millisInPhase());
        life.to(SessionPhase.MOVING);
        assertTrue(life.detached());
        assertEquals(0, life.millisInPhase(), "a new phase starts its own time");
        life.to(SessionPhase.REPLAYING);
        life.to(SessionPhase.RELAYING);
        assertFalse(life.detached());
        life.to(SessionPhase.RELAYING);
        assertEquals(SessionPhase.RELAYING, life.phase(), "staying is no transition");
    }

    @Test
    void closeSaysOnceThatTheSessionEnds() {
        life.to(SessionPhase.AUTHENTICATING);
        assertTrue(life.close());
        assertTrue(life.ending());
        assertFalse(life.close(), "a second end has nothing to say");
        life.closed();
        assertEquals(SessionPhase.CLOSED, life.phase());
        life.closed();
        assertEquals(SessionPhase.CLOSED, life.phase());
    }

    @Test
    void aLeavingSessionOnlyCloses() {
        toRelaying();
        life.to(SessionPhase.LEAVING);
        assertTrue(life.ending());
        assertFalse(life.close(), "leaving already ends it");
        assertThrows(IllegalStateException.class, () -> life.to(SessionPhase.MOVING));
        life.closed();
    }

    @Test
    void everyTransitionTheDiagramLacksFails() {
        for (SessionPhase from : SessionPhase.values()) {
            Set<SessionPhase> allowed = from.next();
            for (SessionPhase to : SessionPhase.values()) {
                SessionLife l = reach(from);
                if (to == from || allowed.contains(to)) {
                    l.to(to);
                    assertEquals(to, l.phase());
                } else {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.to(to),
                            from + " -> " + to);
                    assertTrue(e.getMessage().contains("session 7: no transition from " + from + " to " + to),
                            e.getMessage());
                    assertEquals(from, l.phase(), "a refused transition changes nothing");
                }
            }
        }
    }

    @Test
    void everyPhaseButClosedCanEndAndEveryPhaseIsReachable() {
        Set<SessionPhase> reached = EnumSet.of(SessionPhase.STARTING);
        for (SessionPhase p : SessionPhase.values()) {
            reached.addAll(p.next());
            assertTrue(p == SessionPhase.CLOSED || p.leadsTo(SessionPhase.CLOSED), p + " can close");
        }
        assertEquals(EnumSet.allOf(SessionPhase.class), reached);
        assertTrue(SessionPhase.CLOSED.next().isEmpty());
    }

    @Test
    void theReadmeShowsTheDiagramOfThesePhases() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        String begin = "<!-- session-phases:begin -->\n```mermaid\n";
        String end = "```\n<!-- session-phases:end -->";
        int from = readme.indexOf(begin);
        int to = readme.indexOf(end);
        assertTrue(from >= 0 && to > from, "README.md has no session-phases block");
        assertEquals(SessionPhase.mermaid(), readme.substring(from + begin.length(), to),
                "README.md's session phase diagram is not SessionPhase.mermaid()");
    }

    private void toRelaying() {
        life.to(SessionPhase.AUTHENTICATING);
        life.to(SessionPhase.CONNECTING);
        life.to(SessionPhase.RELAYING);
    }

    /** A fresh life in {@code phase}, reached along allowed arrows. */
    private SessionLife reach(SessionPhase phase) {
        SessionLife l = new SessionLife(() -> "session 7", () -> now);
        SessionPhase[] path = switch (phase) {
            case STARTING -> new SessionPhase[] {};
            case AUTHENTICATING -> new SessionPhase[] {SessionPhase.AUTHENTICATING};
            case CONNECTING -> new SessionPhase[] {SessionPhase.AUTHENTICATING, SessionPhase.CONNECTING};
            case CLOSING -> new SessionPhase[] {SessionPhase.CLOSING};
            case CLOSED -> new SessionPhase[] {SessionPhase.CLOSED};
            case REPLAYING -> new SessionPhase[] {SessionPhase.AUTHENTICATING, SessionPhase.CONNECTING,
                    SessionPhase.RELAYING, SessionPhase.MOVING, SessionPhase.REPLAYING};
            default -> new SessionPhase[] {SessionPhase.AUTHENTICATING, SessionPhase.CONNECTING,
                    SessionPhase.RELAYING, phase};
        };
        for (SessionPhase p : path) {
            l.to(p);
        }
        return l;
    }
}
