package io.auriga.mysql.backend;

import io.auriga.mysql.protocol.AuthSwitchRequest;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.Command;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.MySqlPacket;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.auriga.mysql.protocol.MySqlPackets;
import io.auriga.mysql.protocol.OkPacket;
import io.auriga.mysql.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Logs a kept connection in again for the client that takes it ("COM_CHANGE_USER"), so that the server
 * judges each client login as it judges a new connection's: an account it has blocked since
 * ({@code max_password_errors}), locked or dropped is refused with its own error, as directly:
 * <pre>
 *   proxy   → COM_CHANGE_USER (user, mysql_native_password answer to the connection's scramble, schema,
 *             collation, plugin, connection attributes)
 *             (an ed25519 account: an empty answer, the server switches to its plugin)
 *   backend → AuthSwitchRequest(mysql_native_password, new scramble) → proxy answers again
 *   backend → AuthSwitchRequest(client_ed25519, 32-byte nonce) → proxy signs it with SHA512(password)
 *   backend → OK   ⇒ the connection is the client's, auto-read off, no handlers left
 *   backend → ERR  ⇒ closed; the error is the client's
 *   anything else, a close, no answer within the timeout ⇒ closed; the caller connects anew
 * </pre>
 * The server also resets the session, as COM_RESET_CONNECTION did when the connection was kept.
 */
final class MySqlChangeUser extends SimpleChannelInboundHandler<MySqlPacket> {
    /** What the login that opened a connection agreed with the server, which a later COM_CHANGE_USER needs. */
    record Negotiated(byte[] scramble, long capabilities) {
    }

    static final AttributeKey<Negotiated> NEGOTIATED = AttributeKey.valueOf("auriga-mysql-negotiated");
    private static final String DECODER = "my-change-user-decoder";
    private static final String HANDLER = "my-change-user";
    private static final int MAX_PACKET = 1 << 20;

    private final MySqlBackend backend;
    private final BackendLogin login;
    private final Promise<MySqlBackend> result;
    private ScheduledFuture<?> timer;

    private MySqlChangeUser(MySqlBackend backend, BackendLogin login, Promise<MySqlBackend> result) {
        this.backend = backend;
        this.login = login;
        this.result = result;
    }

    /** Logs {@code backend}, a connection just taken from the pool, in again as {@code login}. */
    static void start(MySqlBackend backend, BackendLogin login, Duration timeout, Promise<MySqlBackend> result) {
        Channel ch = backend.channel();
        Negotiated negotiated = ch.attr(NEGOTIATED).get();
        if (negotiated == null) {
            ch.close();
            result.tryFailure(new MySqlBackendLoginException("kept connection to " + backend.instance().name()
                    + " has no login to repeat", (ErrPacket) null));
            return;
        }
        MySqlChangeUser handler = new MySqlChangeUser(backend, login, result);
        ch.pipeline().addLast(DECODER, new MySqlPacketDecoder(MAX_PACKET));
        ch.pipeline().addLast(HANDLER, handler);
        handler.timer = ch.eventLoop().schedule(() -> handler.fail(new MySqlBackendLoginException("kept connection to "
                + backend.instance().name() + " did not answer COM_CHANGE_USER within " + timeout.toMillis() + " ms",
                (ErrPacket) null)), timeout.toMillis(), TimeUnit.MILLISECONDS);
        ByteBuf payload = ch.alloc().buffer();
        try {
            request(payload, login, negotiated);
            ch.writeAndFlush(MySqlPackets.frame(ch.alloc(), 0, payload));
        } finally {
            payload.release();
        }
        ch.config().setAutoRead(true);
    }

    private static void request(ByteBuf out, BackendLogin login, Negotiated negotiated) {
        long capabilities = negotiated.capabilities();
        out.writeByte(Command.COM_CHANGE_USER);
        Wire.writeNulString(out, login.user());
        byte[] answer = login.secret().firstResponse(negotiated.scramble());
        out.writeByte(answer.length).writeBytes(answer);
        Wire.writeNulString(out, login.database() == null ? "" : login.database());
        out.writeShortLE(login.characterSet());
        if (Capabilities.has(capabilities, Capabilities.CLIENT_PLUGIN_AUTH)) {
            Wire.writeNulString(out, MySqlBackendHandshake.NATIVE);
        }
        if (Capabilities.has(capabilities, Capabilities.CLIENT_CONNECT_ATTRS)) {
            Wire.writeAttributes(out, login.attributes());
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MySqlPacket packet) {
        ByteBuf payload = packet.payload();
        if (ErrPacket.is(payload)) {
            ErrPacket error = ErrPacket.decode(payload);
            fail(new MySqlBackendLoginException(backend.instance().name() + " refused the login: "
                    + error.errorCode() + " " + error.message(), error));
        } else if (payload.isReadable() && payload.getUnsignedByte(payload.readerIndex()) == OkPacket.HEADER) {
            timer.cancel(false);
            Channel ch = ctx.channel();
            ch.config().setAutoRead(false);
            ch.pipeline().remove(HANDLER);
            ch.pipeline().remove(DECODER);
            result.trySuccess(backend);
        } else if (AuthSwitchRequest.is(payload)) {
            AuthSwitchRequest request = AuthSwitchRequest.decode(payload);
            byte[] answer = login.secret().answer(request);
            if (answer == null) {
                fail(new MySqlBackendLoginException(backend.instance().name() + " asks user " + login.user()
                        + " to authenticate with " + request.pluginName() + ", where the proxy holds what answers "
                        + login.secret().plugin(), (ErrPacket) null));
                return;
            }
            ByteBuf out = ctx.alloc().buffer(answer.length).writeBytes(answer);
            try {
                ctx.writeAndFlush(MySqlPackets.frame(ctx.alloc(), (packet.sequenceId() + 1) & 0xFF, out));
            } finally {
                out.release();
            }
        } else {
            fail(new MySqlBackendLoginException(backend.instance().name() + " answered COM_CHANGE_USER with header 0x"
                    + Integer.toHexString(packet.header()), (ErrPacket) null));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new MySqlBackendLoginException("kept connection to " + backend.instance().name()
                + " closed during COM_CHANGE_USER", (ErrPacket) null));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(new MySqlBackendLoginException("COM_CHANGE_USER on " + backend.instance().name() + " failed: " + cause,
                cause));
    }

    private void fail(MySqlBackendLoginException e) {
        timer.cancel(false);
        if (result.tryFailure(e)) {
            backend.channel().close();
        }
    }
}
