package io.auriga.mysql.frontend;

import io.auriga.core.auth.StoredCredential;
import io.auriga.core.auth.UserLookup;
import io.auriga.mysql.auth.NativePassword;
import io.auriga.mysql.protocol.AuthSwitchRequest;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.HandshakeResponse41;
import io.auriga.mysql.protocol.MySqlErrors;
import io.auriga.mysql.protocol.MySqlPacket;
import io.auriga.mysql.protocol.MySqlPacketDecoder;
import io.auriga.mysql.protocol.MySqlPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The connection phase of a MySQL client, answered by the proxy ("Connection Phase", "Authentication
 * Methods"):
 * <pre>
 *   proxy  → Handshake v10 (proxy connection id, fresh scramble, mysql_native_password)      seq 0
 *   client → SSLRequest → TLS starts                                                      seq 1
 *   client → HandshakeResponse41 (user, plugin, response, database, attributes)         seq n
 *   mysql_native_password response: checked against the stored hash ⇒ SHA1(password) recovered
 *   other plugin (caching_sha2_password): proxy → AuthSwitchRequest(mysql_native_password,
 *        same scramble); client → response                                             seq n+1, n+2
 *   mysql_clear_password over TLS: accepted for users from the config
 *   ⇒ backend login, then OK (or the backend's ERR)                                     seq n+1 / n+3
 *   wrong password, unknown user → ERR 1045 28000 "Access denied for user 'u'@'host'"
 * </pre>
 * Users from the config take precedence over the database's own accounts ({@code UserStore}).
 */
final class MySqlAuthHandler extends SimpleChannelInboundHandler<MySqlPacket> {
    static final String NATIVE = "mysql_native_password";
    static final String CLEAR = "mysql_clear_password";

    private enum State { RESPONSE, LOOKUP, SWITCH, DONE }

    private final MySqlSession session;
    private State state = State.RESPONSE;
    private int expectedSequence = 1;
    private HandshakeResponse41 response;
    private UserLookup lookup;
    /** Commands a client sent after its credentials, before the session was ready: kept in order. */
    private final List<MySqlPacket> early = new ArrayList<>();

    MySqlAuthHandler(MySqlSession session) {
        this.session = session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session.startTimer();
        ctx.channel().closeFuture().addListener(f -> session.released());
        ByteBuf payload = ctx.alloc().buffer();
        try {
            session.greeting().encode(payload);
            ctx.writeAndFlush(MySqlPackets.frame(ctx.alloc(), 0, payload));
        } finally {
            payload.release();
        }
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MySqlPacket packet) {
        if (state == State.DONE || state == State.LOOKUP) {
            packet.retain();
            early.add(packet);
            return;
        }
        if (packet.sequenceId() != expectedSequence) {
            session.fatal(MySqlErrors.packetsOutOfOrder(), expectedSequence, "packet with sequence id "
                    + packet.sequenceId() + " where " + expectedSequence + " was due");
            return;
        }
        expectedSequence++;
        ByteBuf payload = packet.payload();
        if (state == State.SWITCH) {
            state = State.DONE;
            check(ctx, NATIVE, ByteBufUtil.getBytes(payload));
            return;
        }
        if (HandshakeResponse41.isSslRequest(payload)) {
            sslRequest(ctx);
            return;
        }
        response = HandshakeResponse41.decode(payload);
        if (session.endpoint().tlsRequired() && !session.tls()) {
            session.fatal(MySqlErrors.secureTransportRequired(), expectedSequence, "plain-text connection refused");
            return;
        }
        state = State.LOOKUP;
        session.endpoint().users().lookup(response.user()).whenComplete((found, error) -> ctx.executor().execute(() ->
                begin(ctx, error != null ? new UserLookup.Unavailable(error.toString()) : found)));
    }

    private void sslRequest(ChannelHandlerContext ctx) {
        if (session.endpoint().sslContext() == null || session.tls() || expectedSequence != 2) {
            session.fatal(MySqlErrors.badHandshake("TLS was not offered"), expectedSequence, "unexpected SSLRequest");
            return;
        }
        session.client().attr(MySqlSession.TLS).set(Boolean.TRUE);
        // The client sends its ClientHello right behind the SSLRequest, so the decoder may already hold
        // it: TLS goes in behind the decoder, whose leftover bytes it receives as the decoder leaves,
        // and a fresh decoder reads what TLS decrypts.
        var pipeline = ctx.pipeline();
        pipeline.addAfter(MySqlFrontendInitializer.DECODER, "tls", session.endpoint().sslContext().newHandler(ctx.alloc()));
        pipeline.remove(MySqlFrontendInitializer.DECODER);
        pipeline.addAfter("tls", MySqlFrontendInitializer.DECODER,
                new MySqlPacketDecoder(session.endpoint().server().maxStartupPacket()));
    }

    private void begin(ChannelHandlerContext ctx, UserLookup result) {
        if (!ctx.channel().isActive() || state != State.LOOKUP) {
            return;
        }
        if (result instanceof UserLookup.Unavailable unavailable) {
            session.fatal(MySqlErrors.cannotConnect("cannot authenticate: the cluster's users cannot be read right now"),
                    expectedSequence, unavailable.reason());
            return;
        }
        lookup = result;
        String plugin = response.authPluginName() == null ? NATIVE : response.authPluginName();
        boolean clearAllowed = CLEAR.equals(plugin) && session.tls()
                && result instanceof UserLookup.Found f && f.credential() instanceof StoredCredential.Password;
        if (NATIVE.equals(plugin) || clearAllowed) {
            state = State.DONE;
            check(ctx, plugin, response.authResponse());
            return;
        }
        // caching_sha2_password and anything else: ask for mysql_native_password, on the same scramble.
        state = State.SWITCH;
        byte[] scramble = session.scramble();
        ByteBuf payload = ctx.alloc().buffer();
        try {
            new AuthSwitchRequest(NATIVE, Arrays.copyOf(scramble, scramble.length + 1)).encode(payload);
            ctx.writeAndFlush(MySqlPackets.frame(ctx.alloc(), expectedSequence, payload));
        } finally {
            payload.release();
        }
        expectedSequence++;
    }

    private void check(ChannelHandlerContext ctx, String plugin, byte[] answer) {
        byte[] stage1 = verify(plugin, answer);
        if (stage1 == null) {
            denied(answer.length > 0 && !(answer.length == 1 && answer[0] == 0));
            return;
        }
        ctx.channel().config().setAutoRead(false);
        session.authenticated(response, stage1, expectedSequence);
    }

    /** SHA1(password) when {@code answer} proves the password, else null. */
    private byte[] verify(String plugin, byte[] answer) {
        if (!(lookup instanceof UserLookup.Found found)) {
            return null;
        }
        byte[] scramble = session.scramble();
        if (found.credential() instanceof StoredCredential.Password p) {
            byte[] stage1 = NativePassword.stage1(p.password());
            if (CLEAR.equals(plugin)) {
                int end = answer.length > 0 && answer[answer.length - 1] == 0 ? answer.length - 1 : answer.length;
                byte[] given = Arrays.copyOf(answer, end);
                return MessageDigest.isEqual(given, p.password().getBytes(StandardCharsets.UTF_8)) ? stage1 : null;
            }
            return MessageDigest.isEqual(NativePassword.response(stage1, scramble), answer) ? stage1 : null;
        }
        if (found.credential() instanceof StoredCredential.MySqlNative n) {
            return NativePassword.check(n.storedHash(), scramble, answer);
        }
        return null;
    }

    private void denied(boolean usingPassword) {
        state = State.DONE;
        String reason = lookup instanceof UserLookup.Refused r ? r.reason()
                : lookup instanceof UserLookup.Found f && !(f.credential() instanceof StoredCredential.Password
                        || f.credential() instanceof StoredCredential.MySqlNative)
                ? "user has only a SCRAM verifier, which cannot check a MySQL login" : "password does not match";
        session.endpoint().users().invalidate(response.user());
        session.endpoint().metrics().authFailed();
        session.fatal(MySqlErrors.accessDenied(response.user(), session.clientHost(), usingPassword), expectedSequence,
                "authentication failed: " + reason);
    }

    /** The packets the client sent ahead of the session, framed again in order; the caller owns them. */
    List<ByteBuf> takeEarly(io.netty.buffer.ByteBufAllocator alloc) {
        List<ByteBuf> framed = new ArrayList<>();
        for (MySqlPacket packet : early) {
            framed.add(MySqlPackets.frame(alloc, packet.sequenceId(), packet.payload()));
            packet.release();
        }
        early.clear();
        return framed;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        early.forEach(MySqlPacket::release);
        early.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause.getCause() != null && cause instanceof io.netty.handler.codec.DecoderException
                ? cause.getCause() : cause;
        if (root instanceof TooLongFrameException) {
            session.fatal(MySqlErrors.packetTooLarge(root.getMessage()), expectedSequence, root.toString());
        } else {
            session.fatal(MySqlErrors.badHandshake(root.getMessage()), expectedSequence, root.toString());
        }
    }
}
