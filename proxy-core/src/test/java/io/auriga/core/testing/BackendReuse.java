package io.auriga.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Waits, in tests of backend connection reuse, for a client to be served by a given backend again. */
public final class BackendReuse {
    private BackendReuse() {
    }

    /** Opens a client connection through the proxy. */
    public interface Login {
        Connection open() throws Exception;
    }

    /**
     * Logs in until a client is served by the backend whose id {@code idQuery} answers {@code id}
     * ({@code pg_backend_pid()}, {@code CONNECTION_ID()}), and returns that connection; fails the test
     * when none is within {@code timeout}. The misses stay open meanwhile, so each attempt takes another
     * kept connection (the one wanted may still be being reset, or another client may hold it), and are
     * closed at the end.
     */
    public static Connection await(Duration timeout, Login login, String idQuery, long id) throws Exception {
        Connection[] found = new Connection[1];
        List<Connection> misses = new ArrayList<>();
        try {
            assertTrue(Poll.poll(timeout, () -> {
                Connection c = login.open();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(idQuery)) {
                    if (rs.next() && rs.getLong(1) == id) {
                        found[0] = c;
                        return true;
                    }
                }
                misses.add(c);
                return false;
            }), "a client logging in the same way got backend " + id + " again");
        } finally {
            for (Connection miss : misses) {
                miss.close();
            }
        }
        return found[0];
    }
}
