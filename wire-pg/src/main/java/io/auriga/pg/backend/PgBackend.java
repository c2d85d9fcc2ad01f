package io.auriga.pg.backend;

import io.auriga.core.topology.InstanceState;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * A logged-in backend connection, ready for a query: what the client must be told about it
 * (parameters) and what is needed to cancel its queries (key data).
 */
public record PgBackend(Channel channel, InstanceState instance, Map<String, String> parameters, int processId,
                        int secretKey) {

    public InetSocketAddress address() {
        return new InetSocketAddress(instance.config().host(), instance.config().port());
    }
}
