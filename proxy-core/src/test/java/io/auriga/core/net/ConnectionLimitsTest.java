package io.auriga.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.auriga.core.net.ConnectionLimits.Admission;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {
    private static final InetAddress A = address(1);
    private static final InetAddress B = address(2);

    @Test
    void connectionsInStartupAreBoundedPerAddress() {
        ConnectionLimits limits = new ConnectionLimits(100, 2);

        assertEquals(Admission.ADMITTED, limits.admit(A));
        assertEquals(Admission.ADMITTED, limits.admit(A));
        assertEquals(Admission.TOO_MANY_FROM_ADDRESS, limits.admit(A));
        assertEquals(Admission.ADMITTED, limits.admit(B), "another address has its own bound");
        assertEquals(3, limits.open(), "a refused connection is not counted");

        limits.loggedIn(A);
        assertEquals(Admission.ADMITTED, limits.admit(A), "a logged-in session no longer counts as in startup");
        limits.closed(A, true);
        assertEquals(1, limits.inStartup(A));
        assertEquals(Admission.ADMITTED, limits.admit(A));
    }

    @Test
    void allConnectionsAreBoundedAndCountedOffWhenTheyClose() {
        ConnectionLimits limits = new ConnectionLimits(2, 10);

        assertEquals(Admission.ADMITTED, limits.admit(A));
        assertEquals(Admission.ADMITTED, limits.admit(B));
        limits.loggedIn(A);
        assertEquals(Admission.TOO_MANY, limits.admit(B), "logged-in sessions count towards max-connections");
        assertEquals(1, limits.inStartup(B), "a refusal leaves the address's count as it was");

        limits.closed(A, false);
        limits.closed(B, true);
        assertEquals(0, limits.open());
        assertEquals(0, limits.inStartup(B));
        assertEquals(Admission.ADMITTED, limits.admit(A));
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionLimits(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionLimits(1, 0));
    }

    private static InetAddress address(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
