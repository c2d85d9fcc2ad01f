package io.auriga.mysql.frontend;

import io.auriga.core.engine.EndpointContext;
import io.auriga.core.topology.TopologyChange;
import io.auriga.mysql.auth.CachingSha2Cache;
import io.auriga.mysql.backend.MySqlBackendConnector;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pipeline of a new client connection to a MySQL endpoint:
 * <pre>
 *   packet decoder (max server.maxStartupPacket) → {@link MySqlAuthHandler}    (greeting sent on connect)
 *        (then)  [tls] → relay ({@link MySqlRelayHandler} on both channels, {@link MySqlSession})
 * </pre>
 * TLS is added at the head when the client sends an SSLRequest. The connection-phase handlers
 * leave once the session relays, so a relayed session carries nothing of them.
 */
public final class MySqlFrontendInitializer extends ChannelInitializer<SocketChannel> {
    static final String DECODER = "my-auth-decoder";
    static final String AUTH = "my-auth";

    private final EndpointContext endpoint;
    private final MySqlBackendConnector connector;
    private final ConnectionRegistry registry;
    private final CachingSha2Cache sha2Cache;
    private final Set<MySqlSession> sessions = ConcurrentHashMap.newKeySet();

    /** @param sha2Cache the cluster's caching_sha2_password cache, shared by its endpoints */
    public MySqlFrontendInitializer(EndpointContext endpoint, MySqlBackendConnector connector,
                                    ConnectionRegistry registry, CachingSha2Cache sha2Cache) {
        this.endpoint = endpoint;
        this.connector = connector;
        this.registry = registry;
        this.sha2Cache = sha2Cache;
        if (endpoint.router().followsPrimary()) {
            endpoint.router().topology().addListener(this::topologyChanged);
        }
    }

    /** A new epoch means a new primary: sessions still on another instance must not write there. */
    private void topologyChanged(TopologyChange change) {
        if (change.before() != null && change.after().epoch() == change.before().epoch()) {
            return;
        }
        String primary = change.after().primary().map(i -> i.name()).orElse(null);
        for (MySqlSession session : sessions) {
            session.primaryChanged(primary, change.after().epoch());
        }
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        MySqlSession session = new MySqlSession(ch, endpoint, connector, registry, sessions);
        ch.pipeline().addLast(DECODER, new MySqlPacketDecoder(endpoint.server().maxStartupPacket()));
        ch.pipeline().addLast(AUTH, new MySqlAuthHandler(session, sha2Cache));
    }
}
