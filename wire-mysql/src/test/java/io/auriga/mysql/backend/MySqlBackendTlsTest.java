package io.auriga.mysql.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.BackendTlsConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.tls.BackendTls;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.mysql.auth.BackendSecret;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.HandshakeResponse41;
import io.auriga.mysql.protocol.HandshakeV10;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.auriga.mysql.protocol.MySqlPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SSL Request of a backend login, on a channel standing in for the server. */
class MySqlBackendTlsTest {
    private static final InstanceState MY1 = new InstanceState(new InstanceConfig("my1", "127.0.0.1", 3306, 0, false),
            Role.PRIMARY, 1, 0, Instant.EPOCH, null);
    private static final long SERVER = Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_SECURE_CONNECTION
            | Capabilities.CLIENT_PLUGIN_AUTH | Capabilities.CLIENT_TRANSACTIONS;
    private static final BackendSecret NO_SECRET = new BackendSecret.Native(new byte[20]);
    private static final BackendLogin LOGIN = new BackendLogin("app", NO_SECRET, null, BackendLogin.CONTROL, 33,
            1 << 24, Map.of(), false);

    @Test
    void anOfferedTlsIsTakenBeforeTheLoginResponse() {
        Login login = login(BackendTlsConfig.Mode.PREFER, SERVER | Capabilities.CLIENT_SSL);
        ByteBuf sslRequest = login.channel.readOutbound();
        try {
            assertEquals(4 + HandshakeResponse41.SSL_REQUEST_SIZE, sslRequest.readableBytes());
            assertEquals(1, sslRequest.getUnsignedByte(3), "sequence id 1, after the greeting's 0");
            assertTrue(HandshakeResponse41.isSslRequest(sslRequest.slice(4, sslRequest.readableBytes() - 4)));
        } finally {
            sslRequest.release();
        }
        assertInstanceOf(SslHandler.class, login.channel.pipeline().first());
        ByteBuf hello = login.channel.readOutbound();
        try {
            assertEquals(0x16, hello.getUnsignedByte(0), "a TLS handshake record, not the login response");
        } finally {
            hello.release();
        }
        assertFalse(login.result.isDone());
        login.channel.finishAndReleaseAll();
    }

    @Test
    void preferLogsInInPlainTextWhereTlsIsNotOffered() {
        Login login = login(BackendTlsConfig.Mode.PREFER, SERVER);
        ByteBuf response = login.channel.readOutbound();
        try {
            assertTrue(response.readableBytes() > 4 + HandshakeResponse41.SSL_REQUEST_SIZE, "the whole login response");
            assertEquals(0, response.getIntLE(4) & Capabilities.CLIENT_SSL);
        } finally {
            response.release();
        }
        assertNull(login.channel.pipeline().get(SslHandler.class));
        login.channel.finishAndReleaseAll();
    }

    @Test
    void requireRefusesAServerThatOffersNoTls() {
        Login login = login(BackendTlsConfig.Mode.REQUIRE, SERVER);
        assertEquals("my1 (10.11.6-MariaDB) does not offer TLS, which tls.mode require requires",
                login.result.cause().getMessage());
        assertNull(login.channel.readOutbound(), "no password response in plain text");
        assertFalse(login.channel.isActive());
    }

    private record Login(EmbeddedChannel channel, Promise<MySqlBackend> result) {
    }

    private static Login login(BackendTlsConfig.Mode mode, long serverCapabilities) {
        Promise<MySqlBackend> result = ImmediateEventExecutor.INSTANCE.newPromise();
        EmbeddedChannel ch = new EmbeddedChannel(new MySqlPacketDecoder(1 << 20),
                new MySqlBackendHandshake(MY1, LOGIN, profile -> { }, result,
                        BackendTls.of(new BackendTlsConfig(mode, null))));
        ByteBuf greeting = Unpooled.buffer();
        new HandshakeV10("10.11.6-MariaDB", 7, new byte[20], serverCapabilities, 33, 2, "mysql_native_password")
                .encode(greeting);
        ch.writeInbound(MySqlPackets.frame(ch.alloc(), 0, greeting));
        greeting.release();
        return new Login(ch, result);
    }
}
