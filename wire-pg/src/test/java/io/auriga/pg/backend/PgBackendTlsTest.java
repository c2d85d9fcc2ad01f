package io.auriga.pg.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.BackendTlsConfig;
import io.auriga.config.InstanceConfig;
import io.auriga.core.auth.LoginSecret;
import io.auriga.core.tls.BackendTls;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.pg.protocol.PgFrameDecoder;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TLS request before a backend login, on a channel standing in for the backend. */
class PgBackendTlsTest {
    private static final InstanceState PG1 = new InstanceState(new InstanceConfig("pg1", "127.0.0.1", 5432, 0, false),
            Role.PRIMARY, 1, 0, Instant.EPOCH, null);

    @Test
    void preferGoesOnInPlainTextWhenTheServerSaysNo() {
        Login login = login(BackendTlsConfig.Mode.PREFER);
        assertEquals(PgMessages.SSL_REQUEST, sslRequestCode(login.channel));
        login.channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'N'}));
        ByteBuf startup = login.channel.readOutbound();
        try {
            assertEquals(PgMessages.PROTOCOL_3_0, startup.getInt(4), "the startup message follows in plain text");
        } finally {
            startup.release();
        }
        assertNull(login.channel.pipeline().get(PgBackendTls.class), "the request handler is gone");
        assertFalse(login.result.isDone());
        login.channel.finishAndReleaseAll();
    }

    @Test
    void requireFailsTheLoginWhenTheServerSaysNo() {
        Login login = login(BackendTlsConfig.Mode.REQUIRE);
        sslRequestCode(login.channel);
        login.channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'N'}));
        assertTrue(login.result.isDone());
        assertEquals("pg1 does not accept TLS, which tls.mode require requires", login.result.cause().getMessage());
        assertNull(login.channel.readOutbound(), "no startup message in plain text");
        assertFalse(login.channel.isActive());
    }

    @Test
    void bytesAfterTheServersYesAreRefused() {
        Login login = login(BackendTlsConfig.Mode.REQUIRE);
        sslRequestCode(login.channel);
        login.channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'S', 'E', 0, 0, 0, 4}));
        assertInstanceOf(BackendLoginException.class, login.result.cause());
        assertEquals("pg1 sent data after its answer to the TLS request", login.result.cause().getMessage());
        assertFalse(login.channel.isActive());
    }

    @Test
    void theServersYesStartsTheTlsHandshakeBeforeAnyLogin() {
        Login login = login(BackendTlsConfig.Mode.REQUIRE);
        sslRequestCode(login.channel);
        login.channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'S'}));
        assertInstanceOf(SslHandler.class, login.channel.pipeline().first());
        ByteBuf hello = login.channel.readOutbound();
        try {
            assertEquals(0x16, hello.getUnsignedByte(0), "a TLS handshake record, not a startup message");
        } finally {
            hello.release();
        }
        assertFalse(login.result.isDone());
        login.channel.finishAndReleaseAll();
    }

    @Test
    void anAnswerOtherThanYesOrNoIsRefused() {
        Login login = login(BackendTlsConfig.Mode.PREFER);
        sslRequestCode(login.channel);
        login.channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'E'}));
        assertEquals("pg1 answered the TLS request with 'E' rather than S or N", login.result.cause().getMessage());
    }

    private record Login(EmbeddedChannel channel, Promise<PgBackend> result) {
    }

    private static Login login(BackendTlsConfig.Mode mode) {
        BackendTls tls = BackendTls.of(new BackendTlsConfig(mode, null));
        Promise<PgBackend> result = ImmediateEventExecutor.INSTANCE.newPromise();
        EmbeddedChannel ch = new EmbeddedChannel(new PgBackendTls(tls, PG1), new PgFrameDecoder(1 << 20),
                new PgBackendHandshake(PG1, "app", Map.of("user", "app"), new LoginSecret.Password("secret"),
                        new SecureRandom(), result));
        return new Login(ch, result);
    }

    private static int sslRequestCode(EmbeddedChannel ch) {
        ByteBuf request = ch.readOutbound();
        try {
            assertEquals(8, request.readableBytes());
            return request.getInt(4);
        } finally {
            request.release();
        }
    }
}
