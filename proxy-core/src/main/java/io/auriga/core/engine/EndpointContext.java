package io.auriga.core.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.EndpointConfig;
import io.auriga.config.ServerConfig;
import io.auriga.config.TlsConfig;
import io.auriga.core.admin.EndpointMetrics;
import io.auriga.core.auth.LoginThrottle;
import io.auriga.core.auth.UserStore;
import io.auriga.core.net.EventLoops;
import io.auriga.core.routing.ConnectionCounts;
import io.auriga.core.routing.Router;
import io.netty.handler.ssl.SslContext;

/**
 * Everything a protocol's front end needs to serve one endpoint: its routing rule, the users,
 * TLS, limits and the shared event loops. Built by {@code AurigaServer}; passed explicitly.
 *
 * @param tls      the server's TLS context, which a reload may replace; null inside when TLS is disabled
 * @param throttle slows down failed logins to the endpoint's cluster
 */
public record EndpointContext(
        ClusterConfig cluster,
        EndpointConfig endpoint,
        Router router,
        ConnectionCounts counts,
        UserStore users,
        ServerConfig server,
        TlsConfig.TlsMode tlsMode,
        java.util.function.Supplier<SslContext> tls,
        EventLoops loops,
        EndpointMetrics metrics,
        LoginThrottle throttle) {

    public String name() {
        return cluster.name() + "/" + endpoint.name();
    }

    /** The TLS context new connections use now; null when TLS is disabled. */
    public SslContext sslContext() {
        return tls.get();
    }

    public boolean tlsRequired() {
        return tlsMode == TlsConfig.TlsMode.REQUIRED;
    }
}
