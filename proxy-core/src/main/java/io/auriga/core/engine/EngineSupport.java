package io.auriga.core.engine;

import io.auriga.config.ClusterConfig;
import io.auriga.config.Engine;
import io.auriga.core.auth.CredentialSource;
import io.auriga.core.health.Probe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.util.List;

/**
 * What a wire module gives the engine-neutral core: how to probe an instance, how to read the
 * database's own users, and the front end that speaks its protocol. Passed to the server
 * explicitly, one per engine.
 */
public interface EngineSupport extends AutoCloseable {

    Engine engine();

    Probe.Factory probes(ClusterConfig cluster);

    /** The failover steps (promote, repoint, fence) for a cluster, with its admin credentials. */
    ClusterOperations operations(ClusterConfig cluster);

    /** Reads stored credentials from the cluster with its admin credentials. */
    CredentialSource credentials(ClusterConfig cluster);

    /** The pipeline initializer for client connections to one endpoint. */
    ChannelInitializer<SocketChannel> frontend(EndpointContext context);

    /**
     * What a client connection refused at accept (too many connections) is told before it is closed,
     * in this engine's protocol and before any of its handshake; null closes it without a word.
     */
    default ByteBuf refusal(ByteBufAllocator alloc, String message) {
        return null;
    }

    /** ALPN protocol names the TLS context must offer for this engine's clients. */
    default List<String> alpnProtocols() {
        return List.of();
    }

    @Override
    default void close() {
    }
}
