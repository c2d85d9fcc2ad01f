package io.auriga.core.testing;

import java.time.Duration;

/** Waits in tests: asks a condition every 100 ms until it holds or {@code timeout} has passed. */
public final class Poll {
    private Poll() {
    }

    /** A condition that may throw (a query, say). */
    public interface Check {
        boolean ok() throws Exception;
    }

    /** True once {@code check} holds; false when it still does not after {@code timeout} (asked once more then). */
    public static boolean poll(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return true;
            }
            Thread.sleep(100);
        }
        return check.ok();
    }
}
