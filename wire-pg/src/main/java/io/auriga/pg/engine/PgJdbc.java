package io.auriga.pg.engine;

import io.auriga.config.BackendTlsConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import java.time.Duration;
import java.util.Properties;
import java.util.stream.Collectors;

/** pgjdbc URLs and connection properties for the control plane (monitor, user lookups). */
final class PgJdbc {
    /** How the control plane's own sessions are named in {@code pg_stat_activity}. */
    static final String APPLICATION_NAME = "auriga-control";

    private PgJdbc() {
    }

    static String url(InstanceConfig instance) {
        return "jdbc:postgresql://" + hostPort(instance) + "/postgres";
    }

    /** A URL over every instance that prefers the primary but reads from any when there is none. */
    static String clusterUrl(ClusterConfig cluster) {
        return "jdbc:postgresql://" + cluster.instances().stream().map(PgJdbc::hostPort)
                .collect(Collectors.joining(",")) + "/postgres?targetServerType=preferPrimary";
    }

    private static String hostPort(InstanceConfig instance) {
        String host = instance.host().contains(":") ? "[" + instance.host() + "]" : instance.host();
        return host + ":" + instance.port();
    }

    /** Admin login with every network wait bounded by {@code timeout} (pgjdbc counts in whole seconds). */
    static Properties properties(ClusterConfig cluster, Duration timeout) {
        int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
        Properties p = new Properties();
        p.setProperty("user", cluster.adminCredentials().user());
        p.setProperty("password", cluster.adminCredentials().password().reveal());
        p.setProperty("connectTimeout", Integer.toString(seconds));
        p.setProperty("socketTimeout", Integer.toString(seconds));
        // Network waits (connect, each read) are bounded by the timeout; the login as a whole gets a
        // little more, since the first one in a cold process also loads the driver.
        p.setProperty("loginTimeout", Integer.toString(Math.max(seconds, 5)));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", APPLICATION_NAME);
        p.setProperty("assumeMinServerVersion", "13");
        tls(cluster.tls(), p);
        return p;
    }

    /**
     * The cluster's {@code tls} in pgjdbc's words. pgjdbc's {@code require} verifies the chain when a
     * root certificate happens to sit in {@code ~/.postgresql}; the proxy's means "not verified", so it
     * names the non-validating factory rather than depend on what that directory holds.
     */
    private static void tls(BackendTlsConfig tls, Properties p) {
        p.setProperty("sslmode", tls.mode().configName());
        switch (tls.mode()) {
            case PREFER, REQUIRE -> p.setProperty("sslfactory", "org.postgresql.ssl.NonValidatingFactory");
            case VERIFY_FULL -> p.setProperty("sslrootcert", tls.ca().toString());
            case DISABLE -> {
            }
        }
    }
}
