package io.auriga.mysql.frontend;

import io.auriga.core.engine.EndpointContext;
import io.auriga.core.topology.WriterSessions;
import io.auriga.mysql.auth.CachingSha2Cache;
import io.auriga.mysql.backend.MySqlBackendConnector;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/**
 * The pipeline of a new client connection to a MySQL endpoint:
 * <pre>
 *   packet decoder (max server.maxStartupPacket) → {@link MySqlAuthHandler}    (greeting sent on connect)
 *        (then)  [tls] → [compression] → relay ({@link MySqlRelayHandler} on both channels, {@link MySqlSession})
 * </pre>
 * TLS is added at the head when the client sends an SSLRequest; the compressed protocol
 * ({@link io.auriga.mysql.protocol.CompressedPacketCodec}) behind it once a client that negotiated
 * CLIENT_COMPRESS has its final OK, which goes uncompressed. The connection-phase handlers leave
 * once the session relays, so a relayed session carries nothing of them. For a writer endpoint
 * it also tells its sessions of a new primary and of a switchover holding new transactions.
 */
public final class MySqlFrontendInitializer extends ChannelInitializer<SocketChannel> {
    static final String DECODER = "my-auth-decoder";
    static final String AUTH = "my-auth";
    static final String COMPRESS = "my-compress";

    private final EndpointContext endpoint;
    private final MySqlBackendConnector connector;
    private final ConnectionRegistry registry;
    private final CachingSha2Cache sha2Cache;
    private final WriterSessions<MySqlSession> sessions;

    /** @param sha2Cache the cluster's caching_sha2_password cache, shared by its endpoints */
    public MySqlFrontendInitializer(EndpointContext endpoint, MySqlBackendConnector connector,
                                    ConnectionRegistry registry, CachingSha2Cache sha2Cache) {
        this.endpoint = endpoint;
        this.connector = connector;
        this.registry = registry;
        this.sha2Cache = sha2Cache;
        this.sessions = endpoint.router().followsPrimary()
                ? WriterSessions.following(endpoint.router().topology()) : WriterSessions.detached();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        MySqlSession session = new MySqlSession(ch, endpoint, connector, registry, sessions.live());
        ch.pipeline().addLast(DECODER, new MySqlPacketDecoder(endpoint.server().maxStartupPacket()));
        ch.pipeline().addLast(AUTH, new MySqlAuthHandler(session, sha2Cache));
    }
}
