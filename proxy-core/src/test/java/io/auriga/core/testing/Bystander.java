package io.auriga.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Another client's session with a transaction open (a temporary table {@code bystander} holding one
 * row), which whatever a misbehaving client does through the same endpoint must leave undisturbed.
 */
public final class Bystander {
    private final Connection connection;

    private Bystander(Connection connection) {
        this.connection = connection;
    }

    /**
     * Opens the transaction on {@code connection}.
     *
     * @param setup the statements that create {@code bystander (x int)}, start a transaction and insert 1
     */
    public static Bystander open(Connection connection, String... setup) throws SQLException {
        try (Statement st = connection.createStatement()) {
            for (String sql : setup) {
                st.execute(sql);
            }
        }
        return new Bystander(connection);
    }

    /** Asserts the transaction is still there with its row, and closes the session. */
    public void assertUndisturbed() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT x FROM bystander")) {
            assertTrue(rs.next(), "the open transaction of another session survived");
            assertEquals(1, rs.getInt(1));
        } finally {
            connection.close();
        }
    }
}
