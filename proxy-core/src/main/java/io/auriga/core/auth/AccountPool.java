package io.auriga.core.auth;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Properties;

/**
 * The small read-only pool a {@link CredentialSource} reads stored passwords through, with the
 * cluster's admin credentials: at most two connections, one kept open since every login asks (one
 * indexed lookup), and bounded by the
 * probe timeout so that a login never waits on a dead instance longer than a probe would. It does
 * not fail when no instance answers at creation: the first lookup reports that instead.
 */
public final class AccountPool {

    private static final int MIN_TIMEOUT_MILLIS = 250;
    private static final int MAX_VALIDATION_MILLIS = 1000;

    private AccountPool() {
    }

    /**
     * @param clusterName          names the pool {@code auriga-users-<clusterName>}
     * @param jdbcUrl              a URL listing the cluster's instances
     * @param dataSourceProperties the driver properties: credentials and timeouts
     * @param timeout              bound on getting a connection
     */
    public static HikariDataSource open(String clusterName, String jdbcUrl, Properties dataSourceProperties,
            Duration timeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("auriga-users-" + clusterName);
        config.setJdbcUrl(jdbcUrl);
        config.setDataSourceProperties(dataSourceProperties);
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(Math.max(MIN_TIMEOUT_MILLIS, timeout.toMillis()));
        config.setValidationTimeout(Math.max(MIN_TIMEOUT_MILLIS, Math.min(timeout.toMillis(), MAX_VALIDATION_MILLIS)));
        config.setIdleTimeout(60_000);
        config.setMaxLifetime(600_000);
        config.setInitializationFailTimeout(-1);
        config.setReadOnly(true);
        return new HikariDataSource(config);
    }
}
