package io.auriga.pg.it;

import io.auriga.pg.sandbox.PgSandbox;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** Waits and checks shared by the failover tests; every wait is bounded. */
final class FailoverChecks {
    private FailoverChecks() {
    }

    /** Inserts row {@code id} through the writer endpoint, retrying on new connections; returns the server port. */
    static int writeUntilAccepted(ProxiedCluster cluster, String table, int id, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = cluster.writer(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + table + " (id) VALUES (" + id + ")");
                try (ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
                    rs.next();
                    return rs.getInt(1);
                }
            } catch (SQLException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError("writes did not resume within " + timeout, last);
    }

    /** Asks on a fresh connection each time: fencing ends the sessions that were open. */
    static boolean readOnly(ProxiedCluster cluster, PgSandbox.Instance instance) {
        try (Connection admin = cluster.admin(instance); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('default_transaction_read_only')")) {
            rs.next();
            return rs.getString(1).equals("on");
        } catch (SQLException e) {
            return false;
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static boolean poll(Duration timeout, Check check) throws Exception {
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
