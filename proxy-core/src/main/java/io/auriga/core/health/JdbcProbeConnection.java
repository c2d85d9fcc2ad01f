package io.auriga.core.health;

import java.net.ConnectException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The connection a JDBC-based {@link Probe} keeps between probes, so that a probe normally costs one
 * round trip: opened on first use, discarded after a failure and opened again by the next probe.
 * Not thread-safe, like the probe that owns it.
 */
public final class JdbcProbeConnection implements AutoCloseable {

    private final String url;
    private final Properties properties;
    private Connection connection;

    /**
     * @param url        the instance's JDBC URL
     * @param properties the driver properties: credentials and timeouts
     */
    public JdbcProbeConnection(String url, Properties properties) {
        this.url = url;
        this.properties = properties;
    }

    /** The kept connection, opened now when there is none. */
    public Connection get() throws SQLException {
        if (connection == null) {
            connection = DriverManager.getConnection(url, properties);
        }
        return connection;
    }

    /**
     * Discards the connection after {@code failure} and reports the probe failed: refused when nothing
     * listened, a refused login when the server turned the admin credentials down.
     */
    public ProbeResult failed(Exception failure) {
        close();
        if (failure instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("28")) {
            // SQLSTATE class 28, invalid authorization (PostgreSQL 28P01/28000, MariaDB 1045 as 28000).
            return ProbeResult.loginRefused(failure.getMessage());
        }
        return ProbeResult.failed(failure.getMessage(), refused(failure));
    }

    /** Whether {@code e} or one of its causes is a refused TCP connection: the instance's port is closed. */
    public static boolean refused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // The connection is being discarded either way.
            }
            connection = null;
        }
    }
}
