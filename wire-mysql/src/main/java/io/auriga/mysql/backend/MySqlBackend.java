package io.auriga.mysql.backend;

import io.auriga.core.topology.InstanceState;
import io.netty.channel.Channel;

/**
 * A logged-in backend connection, ready for a command.
 *
 * @param threadId  the backend's connection id, what {@code KILL} names on that instance
 * @param okPayload the backend's OK packet that ended the login, for the client
 */
public record MySqlBackend(Channel channel, InstanceState instance, long threadId, byte[] okPayload) {

    public MySqlBackend {
        okPayload = okPayload.clone();
    }

    @Override
    public byte[] okPayload() {
        return okPayload.clone();
    }
}
