package io.auriga.mysql.frontend;

import io.auriga.core.auth.AuthException;
import io.auriga.core.auth.StoredCredential;
import io.auriga.core.auth.UserLookup;
import io.auriga.mysql.auth.BackendSecret;
import io.auriga.mysql.auth.CachingSha2Cache;
import io.auriga.mysql.auth.CachingSha2Password;
import io.auriga.mysql.auth.NativePassword;
import io.auriga.mysql.protocol.AuthMoreData;
import io.auriga.mysql.protocol.AuthSwitchRequest;
import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.HandshakeResponse41;
import io.auriga.mysql.protocol.HandshakeV10;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection phase of a MySQL client, answered by the proxy ("Connection Phase", "Authentication
 * Methods"):
 * <pre>
 *   proxy  → Handshake v10 (proxy connection id, fresh scramble, the cluster's mysql.auth-plugin) seq 0
 *   client → SSLRequest → TLS starts                                                      seq 1
 *   client → HandshakeResponse41 (user, plugin, response, database, attributes)         seq n
 *   mysql_native_password response: checked against the stored hash ⇒ SHA1(password) recovered
 *   caching_sha2_password response (32 bytes):
 *     config user, or database user in the cache: checked (fast path)
 *        proxy → AuthMoreData 0x03 fast_auth_success                                    seq n+1
 *     database user not cached, over TLS: proxy → AuthMoreData 0x04 perform_full_auth     seq n+1
 *        client → password, NUL-terminated; checked against SHA1(SHA1(password)), cached seq n+2
 *     database user not cached, no TLS: as below (no RSA key exchange is offered)
 *   other plugin, or no usable response: proxy → AuthSwitchRequest(mysql_native_password,
 *        same scramble); client → response                                             seq n+1, n+2
 *   (AuthMoreData goes without its 0x01 to MySQL Connector/J behind a MariaDB "5.5.5-" version, as it
 *    reads it there; see {@link AuthMoreData})
 *   mysql_clear_password over TLS: accepted for users from the config
 *   token user, ed25519 account (over TLS only; ERR 3159 without it; {@link ClearTextLogin}): the
 *        response if it is mysql_clear_password, whatever the greeting's plugin, else
 *        proxy → AuthSwitchRequest(mysql_clear_password); client → token or password,
 *        NUL-terminated                                                               seq n+1, n+2
 *        token ⇒ the configured database password logs in to a backend
 *        ed25519 password ⇒ its public key must be the stored one; SHA512(password) logs in
 *   ⇒ backend login, then OK (or the backend's ERR)                         seq n+1 / n+2 / n+3
 *   wrong password, unknown user → ERR 1045 28000 "Access denied for user 'u'@'host'"; the login
 *        throttle counts it
 * </pre>
 * Users from the config take precedence over the database's own accounts ({@code UserStore}).
 * Every path ends with a {@link BackendSecret}: SHA1(password), which answers any backend's
 * mysql_native_password scramble, or for an ed25519 account SHA512(password), which signs any
 * backend's client_ed25519 nonce.
 */
final class MySqlAuthHandler extends SimpleChannelInboundHandler<MySqlPacket> {
    private static final Logger log = LoggerFactory.getLogger(MySqlAuthHandler.class);
    static final String NATIVE = "mysql_native_password";
    static final String CLEAR = "mysql_clear_password";
    static final String CACHING_SHA2 = "caching_sha2_password";

    private enum State { RESPONSE, LOOKUP, SWITCH, SWITCH_CLEAR, FULL_AUTH, DONE }

    private final MySqlSession session;
    private final CachingSha2Cache sha2Cache;
    private State state = State.RESPONSE;
    private int expectedSequence = 1;
    private HandshakeResponse41 response;
    private UserLookup lookup;
    /** The version the greeting announced: whether Connector/J reads AuthMoreData bare depends on it. */
    private String greetingVersion;
    private AuthMoreData.Framing framing;
    /** Commands a client sent after its credentials, before the session was ready: kept in order. */
    private final List<MySqlPacket> early = new ArrayList<>();

    MySqlAuthHandler(MySqlSession session, CachingSha2Cache sha2Cache) {
        this.session = session;
        this.sha2Cache = sha2Cache;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session.startTimer();
        ctx.channel().closeFuture().addListener(f -> session.released());
        ByteBuf payload = ctx.alloc().buffer();
        try {
            HandshakeV10 greeting = session.greeting();
            greetingVersion = greeting.serverVersion();
            greeting.encode(payload);
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
        if (state == State.SWITCH_CLEAR) {
            state = State.DONE;
            clearText(ctx, ByteBufUtil.getBytes(payload));
            return;
        }
        if (state == State.FULL_AUTH) {
            state = State.DONE;
            fullAuthentication(ctx, ByteBufUtil.getBytes(payload));
            return;
        }
        if (HandshakeResponse41.isSslRequest(payload)) {
            sslRequest(ctx);
            return;
        }
        response = HandshakeResponse41.decode(payload);
        session.responded();
        if (session.endpoint().tlsRequired() && !session.tls()) {
            session.fatal(MySqlErrors.secureTransportRequired(), expectedSequence, "plain-text connection refused");
            return;
        }
        state = State.LOOKUP;
        session.endpoint().throttle().admit(response.user(), session.clientHost()).then(ctx.executor(),
                () -> ctx.channel().isActive() && state == State.LOOKUP,
                () -> denied(true, "too many failed logins from this address at once"), () -> lookup(ctx));
    }

    private void lookup(ChannelHandlerContext ctx) {
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
        if (result instanceof UserLookup.Refused) {
            sha2Cache.forget(response.user());
        }
        String plugin = response.authPluginName() == null ? NATIVE : response.authPluginName();
        if (ClearTextLogin.needed(result)) {
            clearTextUser(ctx, plugin);
            return;
        }
        if (CACHING_SHA2.equals(plugin) && cachingSha2(ctx)) {
            return;
        }
        boolean clearAllowed = CLEAR.equals(plugin) && session.tls()
                && result instanceof UserLookup.Found f && f.credential() instanceof StoredCredential.Password;
        if (NATIVE.equals(plugin) || clearAllowed) {
            state = State.DONE;
            check(ctx, plugin, response.authResponse());
            return;
        }
        // Anything else (caching_sha2_password that cannot be answered here too): ask for
        // mysql_native_password, on the same scramble.
        state = State.SWITCH;
        switchTo(ctx, NATIVE);
    }

    private void switchTo(ChannelHandlerContext ctx, String plugin) {
        byte[] scramble = session.scramble();
        ByteBuf payload = ctx.alloc().buffer();
        try {
            new AuthSwitchRequest(plugin, Arrays.copyOf(scramble, scramble.length + 1)).encode(payload);
            ctx.writeAndFlush(MySqlPackets.frame(ctx.alloc(), expectedSequence, payload));
        } finally {
            payload.release();
        }
        expectedSequence++;
    }

    /**
     * A token user or an ed25519 account: over TLS only, the token or password as a mysql_clear_password
     * answer (asked for by a switch).
     */
    private void clearTextUser(ChannelHandlerContext ctx, String plugin) {
        if (!session.tls()) {
            state = State.DONE;
            session.endpoint().metrics().authFailed();
            session.fatal(ClearTextLogin.needsTls(lookup, response.user()), expectedSequence,
                    "clear-text login without TLS refused");
            return;
        }
        if (CLEAR.equals(plugin)) {
            state = State.DONE;
            clearText(ctx, response.authResponse());
            return;
        }
        state = State.SWITCH_CLEAR;
        switchTo(ctx, CLEAR);
    }

    private void clearText(ChannelHandlerContext ctx, byte[] answer) {
        BackendSecret secret;
        try {
            secret = ClearTextLogin.check(lookup, response.user(), answer);
        } catch (AuthException e) {
            denied(ClearTextLogin.usingPassword(answer), e.getMessage());
            return;
        } finally {
            Arrays.fill(answer, (byte) 0);
        }
        accepted(ctx, secret);
    }

    /**
     * A caching_sha2_password response in the HandshakeResponse41. Returns false when it is left to the
     * switch to mysql_native_password: an unknown or refused user (which fails there like any other), a
     * response that is not a fast-path scramble (a client whose first data was meant for another
     * plugin), a client that cannot be told how it reads AuthMoreData ({@link AuthMoreData#framing}), or a
     * database user not in the cache on a connection without TLS.
     */
    private boolean cachingSha2(ChannelHandlerContext ctx) {
        byte[] answer = response.authResponse();
        framing = AuthMoreData.framing(greetingVersion, response.attributes());
        if (!(lookup instanceof UserLookup.Found found) || answer.length != CachingSha2Password.LENGTH
                || framing == null) {
            return false;
        }
        byte[] nonce = session.scramble();
        if (found.credential() instanceof StoredCredential.Password p) {
            // The proxy knows a config user's password: every login can take the fast path.
            byte[] password = p.password().getBytes(StandardCharsets.UTF_8);
            byte[] stage2 = CachingSha2Password.stage2(CachingSha2Password.stage1(password));
            state = State.DONE;
            if (CachingSha2Password.check(stage2, nonce, answer) == null) {
                denied(true);
            } else {
                fastAuthSuccess(ctx, new BackendSecret.Native(NativePassword.stage1(password)));
            }
            return true;
        }
        if (!(found.credential() instanceof StoredCredential.MySqlNative n)) {
            return false;
        }
        CachingSha2Cache.Fast fast = sha2Cache.fast(response.user(), n.storedHash(), nonce, answer);
        if (fast instanceof CachingSha2Cache.Fast.Passed passed) {
            state = State.DONE;
            fastAuthSuccess(ctx, new BackendSecret.Native(passed.loginSecret()));
            return true;
        }
        if (fast instanceof CachingSha2Cache.Fast.Denied) {
            // The cached entry is for the same stored hash: the password is wrong.
            state = State.DONE;
            denied(true);
            return true;
        }
        if (!session.tls()) {
            return false;
        }
        state = State.FULL_AUTH;
        authMoreData(ctx, CachingSha2Password.PERFORM_FULL_AUTHENTICATION);
        return true;
    }

    private void fastAuthSuccess(ChannelHandlerContext ctx, BackendSecret.Native secret) {
        sha2Cache.countFast();
        log.debug("{}: caching_sha2_password fast path", session.describe());
        authMoreData(ctx, CachingSha2Password.FAST_AUTH_SUCCESS);
        accepted(ctx, secret);
    }

    /**
     * The client's password, in clear over TLS, NUL-terminated: checked against the stored
     * SHA1(SHA1(password)); when right, the cache learns it for the user's next fast-path login.
     */
    private void fullAuthentication(ChannelHandlerContext ctx, byte[] answer) {
        StoredCredential.MySqlNative stored = (StoredCredential.MySqlNative) ((UserLookup.Found) lookup).credential();
        if (answer.length == 1 && answer[0] == CachingSha2Password.REQUEST_PUBLIC_KEY) {
            // Only reachable by a client that believes it has no TLS while it has: refuse, never send a key.
            session.endpoint().metrics().authFailed();
            session.fatal(MySqlErrors.accessDenied(response.user(), session.clientHost(), true), expectedSequence,
                    "caching_sha2_password full authentication: the client asked for an RSA key, which is not "
                            + "offered; the password is accepted over TLS only");
            return;
        }
        byte[] password = withoutTrailingNul(answer);
        Arrays.fill(answer, (byte) 0);
        byte[] stage1 = NativePassword.stage1(password);
        if (!NativePassword.verify(stored.storedHash(), stage1)) {
            denied(password.length > 0);
            Arrays.fill(password, (byte) 0);
            return;
        }
        sha2Cache.remember(response.user(), stored.storedHash(), password, stage1);
        Arrays.fill(password, (byte) 0);
        sha2Cache.countFull();
        log.debug("{}: caching_sha2_password full authentication; cached for the fast path", session.describe());
        accepted(ctx, new BackendSecret.Native(stage1));
    }

    /** Sends AuthMoreData with one status byte (fast_auth_success, perform_full_authentication). */
    private void authMoreData(ChannelHandlerContext ctx, byte status) {
        ByteBuf payload = ctx.alloc().buffer(2);
        try {
            AuthMoreData.encode(payload, framing, status);
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
        accepted(ctx, new BackendSecret.Native(stage1));
    }

    /**
     * The client proved the password: hand the session what its backend logins answer with. Where the
     * cluster refuses LOAD DATA LOCAL INFILE ({@code mysql.local-infile: false}) the session goes on
     * without CLIENT_LOCAL_FILES, so the backend login leaves it out and the server itself refuses such
     * a statement with its own error, never asking the client for a file.
     */
    private void accepted(ChannelHandlerContext ctx, BackendSecret secret) {
        session.endpoint().throttle().succeeded(response.user(), session.clientHost());
        ctx.channel().config().setAutoRead(false);
        long refused = session.endpoint().cluster().mysql().localInfile() ? 0 : Capabilities.CLIENT_LOCAL_FILES;
        session.authenticated(response.accepted(refused), secret, expectedSequence);
    }

    /** SHA1(password) when {@code answer} proves the password, else null. */
    private byte[] verify(String plugin, byte[] answer) {
        return verify(lookup, plugin, session.scramble(), answer);
    }

    /**
     * SHA1(password) when {@code answer}, for {@code plugin} on {@code scramble}, proves the password of
     * the user {@code lookup} found, else null. Also checks a COM_CHANGE_USER ({@link ClientChangeUser}).
     */
    static byte[] verify(UserLookup lookup, String plugin, byte[] scramble, byte[] answer) {
        if (!(lookup instanceof UserLookup.Found found)) {
            return null;
        }
        if (found.credential() instanceof StoredCredential.Password p) {
            byte[] stage1 = NativePassword.stage1(p.password());
            if (CLEAR.equals(plugin)) {
                return MessageDigest.isEqual(withoutTrailingNul(answer), p.password().getBytes(StandardCharsets.UTF_8))
                        ? stage1 : null;
            }
            return MessageDigest.isEqual(NativePassword.response(stage1, scramble), answer) ? stage1 : null;
        }
        if (found.credential() instanceof StoredCredential.MySqlNative n) {
            return NativePassword.check(n.storedHash(), scramble, answer);
        }
        return null;
    }

    private void denied(boolean usingPassword) {
        denied(usingPassword, deniedReason(lookup));
    }

    /** Why a login as the user {@code lookup} found (or not) was denied, for the log. */
    static String deniedReason(UserLookup lookup) {
        return lookup instanceof UserLookup.Refused r ? r.reason()
                : lookup instanceof UserLookup.Found f && !(f.credential() instanceof StoredCredential.Password
                        || f.credential() instanceof StoredCredential.MySqlNative)
                ? "user has only a SCRAM verifier, which cannot check a MySQL login" : "password does not match";
    }

    /** ERR 1045 as MySQL words it; {@code reason} goes to the log only. */
    private void denied(boolean usingPassword, String reason) {
        state = State.DONE;
        session.endpoint().throttle().failed(response.user(), session.clientHost());
        session.endpoint().users().invalidate(response.user());
        session.endpoint().metrics().authFailed();
        session.fatal(MySqlErrors.accessDenied(response.user(), session.clientHost(), usingPassword), expectedSequence,
                "authentication failed: " + reason);
    }

    /**
     * A copy of a clear-text answer without the NUL that ends it (mysql_clear_password, full
     * authentication); a copy, so the caller may wipe the answer.
     */
    static byte[] withoutTrailingNul(byte[] answer) {
        return Arrays.copyOf(answer, answer.length > 0 && answer[answer.length - 1] == 0 ? answer.length - 1
                : answer.length);
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
