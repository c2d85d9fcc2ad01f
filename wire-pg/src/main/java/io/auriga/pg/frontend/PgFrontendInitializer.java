package io.auriga.pg.frontend;

import io.auriga.core.engine.EndpointContext;
import io.auriga.pg.backend.PgBackendConnector;
import io.auriga.pg.protocol.StartupDecoder;
import io.auriga.core.topology.WriterGate;
import io.auriga.core.topology.WriterSessions;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/**
 * The pipeline of a new client connection to a PostgreSQL endpoint:
 * <pre>
 *   [direct-tls sniffer] → startup decoder → {@link PgStartupHandler}
 *        (then)  [tls] → frame decoder → {@link PgAuthHandler}
 *        (then)  [tls] → relay ({@link PgSession})
 * </pre>
 * Each phase's handlers replace the previous ones, so a relayed session carries nothing of the
 * start-up machinery. For a writer endpoint it also tells its sessions of a new primary and of a
 * switchover holding new transactions ({@link WriterGate}).
 */
public final class PgFrontendInitializer extends ChannelInitializer<SocketChannel> {
    static final String STARTUP_DECODER = "pg-startup-decoder";
    static final String STARTUP = "pg-startup";
    static final String AUTH_DECODER = "pg-auth-decoder";
    static final String AUTH = "pg-auth";

    private final EndpointContext endpoint;
    private final PgBackendConnector connector;
    private final CancelRegistry cancels;
    private final WriterSessions<PgSession> sessions;

    public PgFrontendInitializer(EndpointContext endpoint, PgBackendConnector connector, CancelRegistry cancels) {
        this.endpoint = endpoint;
        this.connector = connector;
        this.cancels = cancels;
        this.sessions = endpoint.router().followsPrimary()
                ? WriterSessions.following(endpoint.router().topology()) : WriterSessions.detached();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (endpoint.sslContext() != null) {
            ch.pipeline().addLast(new DirectTlsDetector(endpoint.sslContext()));
        }
        ch.pipeline().addLast(STARTUP_DECODER, new StartupDecoder(endpoint.server().maxStartupPacket()));
        ch.pipeline().addLast(STARTUP, new PgStartupHandler(new PgSession(ch, endpoint, connector, cancels,
                sessions.live())));
    }
}
