package io.auriga.mysql.backend;

import io.auriga.core.tls.BackendTls;
import io.auriga.core.topology.InstanceState;
import io.auriga.mysql.protocol.AuthSwitchRequest;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.HandshakeResponse41;
import io.auriga.mysql.protocol.HandshakeV10;
import io.auriga.mysql.protocol.MySqlPacket;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.OkPacket;
import io.auriga.mysql.protocol.SessionStateInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Logs in to a MariaDB/MySQL backend on a client's behalf ("Connection Phase"):
 * <pre>
 *   backend → Handshake v10 (thread id, scramble, capabilities)
 *   proxy   → SSL Request, then the TLS handshake       (clusters[].tls other than disable, backend
 *                                                       offers CLIENT_SSL; required unless prefer)
 *   proxy   → HandshakeResponse41 (client's capabilities ∩ backend's, mysql_native_password
 *             response computed from SHA1(password) and the backend's scramble; empty for an
 *             ed25519 account, whose plugin the server switches to)
 *   backend → AuthSwitchRequest(mysql_native_password, new scramble) → proxy answers again
 *   backend → AuthSwitchRequest(client_ed25519, 32-byte nonce) → proxy signs it with SHA512(password)
 *   backend → OK                                     (reader: proxy → {@link ReadOnlyTracking#statement}, OK)
 *                                                    ⇒ promise succeeds
 *   backend → ERR                                    ⇒ promise fails, error kept for the client
 * </pre>
 * The layout-changing capabilities the client negotiated must all be the backend's too, or the
 * relay would not be byte-correct; a backend lacking one is refused with a clear error.
 */
final class MySqlBackendHandshake extends SimpleChannelInboundHandler<MySqlPacket> {
    static final String NATIVE = "mysql_native_password";
    /** The TLS handler's name, at the head of the pipeline, where it stays for the connection's life. */
    static final String SSL = "my-backend-ssl";

    private enum State { GREETING, TLS, AUTH, INIT, DONE }

    private final InstanceState instance;
    private final BackendLogin login;
    private final Consumer<ServerProfile> profiles;
    private final Promise<MySqlBackend> result;
    private final BackendTls tls;
    private State state = State.GREETING;
    private long threadId;
    private byte[] okPayload;
    /** The login response, held while the TLS handshake runs, and the sequence id it goes out with. */
    private HandshakeResponse41 pendingResponse;
    private int pendingSequenceId;
    private String readOnlyInit;

    MySqlBackendHandshake(InstanceState instance, BackendLogin login, Consumer<ServerProfile> profiles,
                          Promise<MySqlBackend> result, BackendTls tls) {
        this.instance = instance;
        this.tls = tls;
        this.login = login;
        this.profiles = profiles;
        this.result = result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MySqlPacket packet) throws MySqlBackendLoginException {
        ByteBuf payload = packet.payload();
        if (ErrPacket.is(payload)) {
            ErrPacket error = ErrPacket.decode(payload);
            throw new MySqlBackendLoginException(instance.name() + " refused the login: " + error.errorCode() + " "
                    + error.message(), error);
        }
        switch (state) {
            case GREETING -> greeting(ctx, packet);
            case AUTH -> authReply(ctx, packet);
            case INIT -> {
                if (!OkPacket.is(payload, login.capabilities())) {
                    throw new MySqlBackendLoginException(instance.name() + " did not answer " + readOnlyInit + " with OK",
                            (ErrPacket) null);
                }
                succeed(ctx);
            }
            default -> throw new MySqlBackendLoginException(instance.name() + " sent a packet after the login",
                    (ErrPacket) null);
        }
    }

    private void greeting(ChannelHandlerContext ctx, MySqlPacket packet) throws MySqlBackendLoginException {
        HandshakeV10 handshake = HandshakeV10.decode(packet.payload());
        profiles.accept(ServerProfile.of(handshake));
        threadId = handshake.connectionId();
        long backend = handshake.capabilities();
        long wanted = login.capabilities() & ~(Capabilities.CLIENT_SSL | Capabilities.CLIENT_COMPRESS)
                | Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_SECURE_CONNECTION | Capabilities.CLIENT_PLUGIN_AUTH;
        if (!handshake.isMariaDb()) {
            wanted &= 0xFFFF_FFFFL;
        }
        if (login.readOnly()) {
            if (!Capabilities.has(backend, Capabilities.CLIENT_SESSION_TRACK)) {
                throw new MySqlBackendLoginException(instance.name() + " (" + handshake.serverVersion()
                        + ") cannot report session state (CLIENT_SESSION_TRACK), which a reader session needs to "
                        + "stay read-only", (ErrPacket) null);
            }
            // The read-only backstop reads the session state in OK packets, whatever the client asked for.
            wanted |= Capabilities.CLIENT_SESSION_TRACK;
        }
        readOnlyInit = ReadOnlyTracking.statement(handshake.isMariaDb());
        long missing = wanted & ServerProfile.LAYOUT & ~backend;
        if (missing != 0) {
            throw new MySqlBackendLoginException(instance.name() + " (" + handshake.serverVersion()
                    + ") lacks capabilities the client negotiated: 0x" + Long.toHexString(missing), (ErrPacket) null);
        }
        // CLIENT_MYSQL tells a MariaDB server whether extended capabilities follow: keep the client's choice.
        long capabilities = wanted & (backend | Capabilities.CLIENT_MYSQL);
        if (login.database() == null) {
            capabilities &= ~Capabilities.CLIENT_CONNECT_WITH_DB;
        } else {
            capabilities |= Capabilities.CLIENT_CONNECT_WITH_DB;
        }
        boolean encrypt = tls.attempted() && Capabilities.has(backend, Capabilities.CLIENT_SSL);
        if (tls.required() && !encrypt) {
            throw new MySqlBackendLoginException(instance.name() + " (" + handshake.serverVersion()
                    + ") does not offer TLS, which tls.mode " + tls.config().mode().configName() + " requires",
                    (ErrPacket) null);
        }
        if (encrypt) {
            capabilities |= Capabilities.CLIENT_SSL;
        }
        byte[] scramble = handshake.scramble();
        ctx.channel().attr(MySqlChangeUser.NEGOTIATED).set(new MySqlChangeUser.Negotiated(scramble, capabilities));
        HandshakeResponse41 response = new HandshakeResponse41(capabilities, login.maxPacketSize(),
                login.characterSet(), login.user(), login.secret().firstResponse(scramble),
                login.database(), NATIVE, login.attributes());
        if (!encrypt) {
            state = State.AUTH;
            send(ctx, packet.sequenceId() + 1, response::encode);
            return;
        }
        // SSL Request, then the TLS handshake; the login response follows over TLS (see userEventTriggered).
        long sslCapabilities = capabilities;
        send(ctx, packet.sequenceId() + 1, out -> HandshakeResponse41.encodeSslRequest(out, sslCapabilities,
                login.maxPacketSize(), login.characterSet()));
        state = State.TLS;
        pendingResponse = response;
        pendingSequenceId = packet.sequenceId() + 2;
        ctx.pipeline().addFirst(SSL, tls.newHandler(ctx.alloc(), instance.config()));
    }

    /** The TLS handshake that an SSL Request started completed: the login response goes out over it. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake && state == State.TLS) {
            if (handshake.isSuccess()) {
                state = State.AUTH;
                HandshakeResponse41 response = pendingResponse;
                pendingResponse = null;
                send(ctx, pendingSequenceId, response::encode);
            } else {
                fail(ctx, new MySqlBackendLoginException("TLS handshake with " + instance.name() + " failed: "
                        + handshake.cause().getMessage(), handshake.cause()));
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    private void authReply(ChannelHandlerContext ctx, MySqlPacket packet) throws MySqlBackendLoginException {
        ByteBuf payload = packet.payload();
        if (payload.isReadable() && payload.getUnsignedByte(payload.readerIndex()) == OkPacket.HEADER) {
            okPayload = ByteBufUtil.getBytes(untracked(payload));
            if (login.readOnly()) {
                state = State.INIT;
                send(ctx, 0, out -> {
                    out.writeByte(Command.COM_QUERY);
                    out.writeCharSequence(readOnlyInit, StandardCharsets.US_ASCII);
                });
            } else {
                succeed(ctx);
            }
            return;
        }
        if (AuthSwitchRequest.is(payload)) {
            AuthSwitchRequest request = AuthSwitchRequest.decode(payload);
            byte[] answer = login.secret().answer(request);
            if (answer == null) {
                throw new MySqlBackendLoginException(instance.name() + " asks user " + login.user()
                        + " to authenticate with " + request.pluginName() + ", where the proxy holds what answers "
                        + login.secret().plugin(), (ErrPacket) null);
            }
            send(ctx, packet.sequenceId() + 1, out -> out.writeBytes(answer));
            return;
        }
        throw new MySqlBackendLoginException(instance.name() + " sent an unexpected packet (header 0x"
                + Integer.toHexString(packet.header()) + ") during login", (ErrPacket) null);
    }

    /**
     * The login OK as the client expects it: a reader session's backend link reports session state
     * even when the client did not ask for it (CLIENT_SESSION_TRACK), so it is taken out for such a client.
     */
    private ByteBuf untracked(ByteBuf ok) {
        if (!login.readOnly() || Capabilities.has(login.capabilities(), Capabilities.CLIENT_SESSION_TRACK)) {
            return ok;
        }
        ByteBuf out = Unpooled.buffer(ok.readableBytes());
        SessionStateInfo.writeUntracked(ok, out);
        return out;
    }

    private void succeed(ChannelHandlerContext ctx) {
        state = State.DONE;
        result.trySuccess(new MySqlBackend(ctx.channel(), instance, threadId, okPayload));
    }

    private static void send(ChannelHandlerContext ctx, int sequenceId, Consumer<ByteBuf> body) {
        ByteBuf payload = ctx.alloc().buffer();
        try {
            body.accept(payload);
            ctx.writeAndFlush(MySqlPackets.frame(ctx.alloc(), sequenceId & 0xFF, payload));
        } finally {
            payload.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new MySqlBackendLoginException(instance.name() + " closed the connection during login",
                (ErrPacket) null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof MySqlBackendLoginException e) {
            fail(ctx, e);
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException e) {
            fail(ctx, new MySqlBackendLoginException("TLS handshake with " + instance.name() + " failed: "
                    + e.getMessage(), e));
        } else {
            fail(ctx, new MySqlBackendLoginException("login to " + instance.name() + " failed: " + cause, cause));
        }
    }

    private void fail(ChannelHandlerContext ctx, MySqlBackendLoginException e) {
        if (result.tryFailure(e)) {
            ctx.close();
        }
    }
}
