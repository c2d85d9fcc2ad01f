package io.auriga.pg.frontend;

import io.auriga.core.engine.EndpointContext;
import io.auriga.pg.backend.PgBackendConnector;
import io.auriga.pg.protocol.StartupDecoder;
import io.auriga.core.topology.TopologyChange;
import io.auriga.core.topology.WriterGate;
import io.netty.channel.ChannelInitializer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
public final class PgFrontendInitializer extends ChannelInitializer<SocketChannel> implements WriterGate.Member {
    static final String STARTUP_DECODER = "pg-startup-decoder";
    static final String STARTUP = "pg-startup";
    static final String AUTH_DECODER = "pg-auth-decoder";
    static final String AUTH = "pg-auth";

    private final EndpointContext endpoint;
    private final PgBackendConnector connector;
    private final CancelRegistry cancels;
    private final Set<PgSession> sessions = ConcurrentHashMap.newKeySet();

    public PgFrontendInitializer(EndpointContext endpoint, PgBackendConnector connector, CancelRegistry cancels) {
        this.endpoint = endpoint;
        this.connector = connector;
        this.cancels = cancels;
        if (endpoint.router().followsPrimary()) {
            endpoint.router().topology().addListener(this::topologyChanged);
            endpoint.router().topology().writerGate().join(this);
        }
    }

    @Override
    public void held(WriterGate gate) {
        for (PgSession session : sessions) {
            gate.expect(session);
            session.holdRequested();
        }
    }

    @Override
    public void drainExpired(WriterGate gate, String why) {
        for (PgSession session : sessions) {
            if (gate.isPending(session)) {
                session.drainExpired(why);
            }
        }
    }

    @Override
    public void released() {
        sessions.forEach(PgSession::writesReleased);
    }

    /** A new epoch means a new primary: sessions still on another instance must not write there. */
    private void topologyChanged(TopologyChange change) {
        if (change.before() != null && change.after().epoch() == change.before().epoch()) {
            return;
        }
        String primary = change.after().primary().map(i -> i.name()).orElse(null);
        for (PgSession session : sessions) {
            session.primaryChanged(primary, change.after().epoch());
        }
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (endpoint.sslContext() != null) {
            ch.pipeline().addLast(new DirectTlsDetector(endpoint.sslContext()));
        }
        ch.pipeline().addLast(STARTUP_DECODER, new StartupDecoder(endpoint.server().maxStartupPacket()));
        ch.pipeline().addLast(STARTUP, new PgStartupHandler(new PgSession(ch, endpoint, connector, cancels,
                sessions)));
    }
}
