package io.auriga.mysql.engine;

import io.auriga.config.BackendTlsConfig;
import io.auriga.config.ClusterConfig;
import io.auriga.config.InstanceConfig;
import java.time.Duration;
import java.util.Properties;

/** MariaDB Connector/J URLs and connection properties for the control plane (monitor, operations). */
final class MariaDbJdbc {
    /** The {@code program_name} connection attribute of every control connection, to tell them from clients. */
    static final String PROGRAM_NAME = "auriga-control";

    private MariaDbJdbc() {
    }

    static String url(InstanceConfig instance) {
        String host = instance.host().contains(":") ? "[" + instance.host() + "]" : instance.host();
        return "jdbc:mariadb://" + host + ":" + instance.port() + "/";
    }

    /** Every instance, tried in order: the first that answers serves the connection. */
    static String clusterUrl(ClusterConfig cluster) {
        StringBuilder hosts = new StringBuilder();
        for (InstanceConfig instance : cluster.instances()) {
            if (!hosts.isEmpty()) {
                hosts.append(',');
            }
            String host = instance.host().contains(":") ? "[" + instance.host() + "]" : instance.host();
            hosts.append(host).append(':').append(instance.port());
        }
        return "jdbc:mariadb:sequential://" + hosts + "/";
    }

    /** Admin login with every network wait bounded by {@code timeout}. */
    static Properties properties(ClusterConfig cluster, Duration timeout) {
        String millis = Long.toString(Math.max(1, timeout.toMillis()));
        Properties p = new Properties();
        p.setProperty("user", cluster.adminCredentials().user());
        p.setProperty("password", cluster.adminCredentials().password().reveal());
        p.setProperty("connectTimeout", millis);
        p.setProperty("socketTimeout", millis);
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("connectionAttributes", "program_name:" + PROGRAM_NAME);
        tls(cluster.tls(), p);
        return p;
    }

    /**
     * The cluster's {@code tls} in Connector/J's words: {@code trust} encrypts without verifying, as
     * {@code require} does. The driver has no "prefer": with {@code prefer} the control connections stay
     * plain, so an admin account created {@code REQUIRE SSL} needs {@code require} or {@code verify-full}.
     */
    private static void tls(BackendTlsConfig tls, Properties p) {
        switch (tls.mode()) {
            case DISABLE, PREFER -> p.setProperty("sslMode", "disable");
            case REQUIRE -> p.setProperty("sslMode", "trust");
            case VERIFY_FULL -> {
                p.setProperty("sslMode", "verify-full");
                p.setProperty("serverSslCert", tls.ca().toString());
            }
        }
    }
}
