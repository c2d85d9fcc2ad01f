package io.auriga.core.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriterGateTest {

    /** A front end with two sessions, one of them still inside a transaction. */
    private static final class FrontEnd implements WriterGate.Member {
        final List<String> events = new ArrayList<>();

        @Override
        public void held(WriterGate gate) {
            gate.expect("idle");
            gate.expect("busy");
            gate.arrived("idle");
        }

        @Override
        public void drainExpired(WriterGate gate, String why) {
            events.add("expired " + gate.isPending("busy") + " " + why);
            gate.arrived("busy");
        }

        @Override
        public void released() {
            events.add("released");
        }
    }

    @Test
    void drainsWhenEverySessionArrivesAndReleasesItsMembers() throws Exception {
        WriterGate gate = new WriterGate(java.time.Clock.systemUTC());
        FrontEnd front = new FrontEnd();
        gate.join(front);
        gate.hold();
        assertTrue(gate.held());
        assertEquals(1, gate.pending());
        assertFalse(gate.awaitDrained(java.time.Duration.ofMillis(20)), "a session is still in a transaction");

        gate.expire("drain over");
        assertTrue(gate.awaitDrained(java.time.Duration.ZERO));
        gate.release();
        assertFalse(gate.held());
        assertEquals(List.of("expired true drain over", "released"), front.events);
    }

    @Test
    void sessionsAreExpectedOnlyWhileHeld() {
        WriterGate gate = new WriterGate(java.time.Clock.systemUTC());
        gate.expect("late");
        assertEquals(0, gate.pending());
    }
}
