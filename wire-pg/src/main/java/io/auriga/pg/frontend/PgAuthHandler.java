package io.auriga.pg.frontend;

import io.auriga.core.auth.AuthException;
import io.auriga.core.auth.LoginSecret;
import io.auriga.core.auth.LoginThrottle;
import io.auriga.core.auth.Md5Password;
import io.auriga.core.auth.ScramServer;
import io.auriga.core.auth.ScramVerifier;
import io.auriga.core.auth.StoredCredential;
import io.auriga.core.auth.UserLookup;
import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.PgFrame;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

/**
 * Authenticates a PostgreSQL client against the credential the proxy knows for the user
 * (protocol §55.3, "SASL Authentication"):
 * <pre>
 *   SCRAM verifier or configured password:
 *     proxy → AuthenticationSASL [SCRAM-SHA-256]   client → SASLInitialResponse(client-first)
 *     proxy → AuthenticationSASLContinue            client → SASLResponse(client-final)
 *     proxy → AuthenticationSASLFinal               ⇒ ClientKey recovered, session logs in to a backend
 *   md5 hash:
 *     proxy → AuthenticationMD5Password(salt)       client → PasswordMessage(md5...)
 *   token user (over TLS only; FATAL 28000 without it, before the client sends anything):
 *     proxy → AuthenticationCleartextPassword       client → PasswordMessage(token)
 *                                                   ⇒ the configured database password logs in to a backend
 * </pre>
 * AuthenticationOk is sent only once a backend has accepted the login, so a backend's refusal
 * (unknown database, too many connections) reaches the client as its own ErrorResponse.
 * Unknown users go through a SCRAM exchange against a made-up verifier and fail exactly like a
 * wrong password, so the proxy does not reveal which users exist. SCRAM-SHA-256-PLUS is never
 * offered: the client's TLS channel is not the backend's. After repeated failures from the client's
 * address as this user, the exchange starts only after the {@link LoginThrottle}'s hold.
 */
final class PgAuthHandler extends SimpleChannelInboundHandler<PgFrame> {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Keys the decoy salts, so an unknown user sees the same salt each time, like a real one. */
    private static final byte[] DECOY_SALT_KEY = RANDOM.generateSeed(16);

    private enum State { LOOKUP, SASL_INITIAL, SASL_FINAL, MD5, TOKEN, DONE }

    private final PgSession session;
    private State state = State.LOOKUP;
    private StoredCredential credential;
    private boolean knownUser;
    private String refusedReason;
    private ScramServer scram;
    private byte[] md5Salt;
    /** The client's address, which failed logins are counted by (with the user). */
    private String address;

    PgAuthHandler(PgSession session) {
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        address = address(ctx);
        session.endpoint().throttle().admit(session.user(), address).then(ctx.executor(),
                () -> ctx.channel().isActive() && state == State.LOOKUP,
                () -> failed("too many failed logins from this address at once"), () -> lookup(ctx));
    }

    private static String address(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
    }

    private void lookup(ChannelHandlerContext ctx) {
        String user = session.user();
        session.endpoint().users().lookup(user).whenComplete((lookup, error) -> ctx.executor().execute(() -> {
            if (error != null) {
                begin(ctx, new UserLookup.Unavailable(error.toString()));
            } else {
                begin(ctx, lookup);
            }
        }));
    }

    private void begin(ChannelHandlerContext ctx, UserLookup lookup) {
        if (!ctx.channel().isActive() || state != State.LOOKUP) {
            return;
        }
        if (lookup instanceof UserLookup.Found found) {
            credential = found.credential();
            knownUser = true;
        } else if (lookup instanceof UserLookup.Refused refused) {
            refusedReason = refused.reason();
            credential = new StoredCredential.Scram(decoy(session.user()));
        } else {
            String reason = ((UserLookup.Unavailable) lookup).reason();
            session.fatal(PgError.fatal(PgError.CANNOT_CONNECT, "cannot authenticate: the cluster's users "
                    + "cannot be read right now").withDetail(reason), reason);
            return;
        }
        if (credential instanceof StoredCredential.Token) {
            if (!session.tls()) {
                session.endpoint().metrics().authFailed();
                session.fatal(PgError.fatal(PgError.INVALID_AUTHORIZATION, "user \"" + session.user()
                                + "\" logs in with a token, which is accepted over TLS only")
                        .withHint("connect with sslmode=require or stronger"), "token login without TLS refused");
                return;
            }
            state = State.TOKEN;
            ctx.writeAndFlush(PgMessages.authentication(ctx.alloc(), PgMessages.AUTH_CLEARTEXT, new byte[0]));
        } else if (credential instanceof StoredCredential.Md5) {
            md5Salt = new byte[4];
            RANDOM.nextBytes(md5Salt);
            state = State.MD5;
            ctx.writeAndFlush(PgMessages.authentication(ctx.alloc(), PgMessages.AUTH_MD5, md5Salt));
        } else {
            state = State.SASL_INITIAL;
            ctx.writeAndFlush(PgMessages.authenticationSasl(ctx.alloc(), List.of(PgMessages.SCRAM_SHA_256)));
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, PgFrame frame) {
        if (frame.tag() != 'p' || state == State.LOOKUP || state == State.DONE) {
            session.fatal(PgError.fatal(PgError.PROTOCOL_VIOLATION, "expected a password or SASL response, got '"
                    + (char) frame.tag() + "'"), "unexpected message during authentication");
            return;
        }
        try {
            switch (state) {
                case SASL_INITIAL -> saslInitial(ctx, frame.body());
                case SASL_FINAL -> saslFinal(ctx, frame.body());
                case MD5 -> md5(frame.body());
                case TOKEN -> token(frame.body());
                default -> throw new IllegalStateException(state.name());
            }
        } catch (AuthException e) {
            failed(e.getMessage());
        }
    }

    private void saslInitial(ChannelHandlerContext ctx, ByteBuf body) throws AuthException {
        String mechanism = PgMessages.readCString(body);
        if (!PgMessages.SCRAM_SHA_256.equals(mechanism) || body.readableBytes() < 4) {
            throw new AuthException("client chose unsupported SASL mechanism " + mechanism);
        }
        int length = body.readInt();
        if (length < 0 || length != body.readableBytes()) {
            throw new AuthException("malformed SASLInitialResponse");
        }
        scram = new ScramServer(verifier(), RANDOM);
        String serverFirst = scram.serverFirst(body.toString(StandardCharsets.UTF_8));
        state = State.SASL_FINAL;
        ctx.writeAndFlush(PgMessages.authentication(ctx.alloc(), PgMessages.AUTH_SASL_CONTINUE,
                serverFirst.getBytes(StandardCharsets.UTF_8)));
    }

    private void saslFinal(ChannelHandlerContext ctx, ByteBuf body) throws AuthException {
        if (!knownUser) {
            throw new AuthException(refusedReason);
        }
        ScramServer.Result result = scram.finish(body.toString(StandardCharsets.UTF_8));
        ctx.writeAndFlush(PgMessages.authentication(ctx.alloc(), PgMessages.AUTH_SASL_FINAL,
                result.serverFinal().getBytes(StandardCharsets.UTF_8)));
        succeeded(credential instanceof StoredCredential.Password p
                ? p.loginSecret()
                : new LoginSecret.Scram(verifier(), result.clientKey()));
    }

    private void md5(ByteBuf body) throws AuthException {
        String response = PgMessages.readCString(body);
        String stored = ((StoredCredential.Md5) credential).storedHash();
        if (response == null || !Md5Password.verify(stored, md5Salt, response)) {
            throw new AuthException("password does not match");
        }
        succeeded(new LoginSecret.Md5(stored));
    }

    private void token(ByteBuf body) throws AuthException {
        String token = PgMessages.readCString(body);
        if (token == null) {
            throw new AuthException("malformed password message");
        }
        StoredCredential.Token user = (StoredCredential.Token) credential;
        user.tokens().check(token, session.user());
        succeeded(user.backend());
    }

    private ScramVerifier verifier() {
        if (credential instanceof StoredCredential.Scram s) {
            return s.verifier();
        }
        if (credential instanceof StoredCredential.Password p) {
            return p.verifier();
        }
        throw new IllegalStateException("md5 user in a SCRAM exchange");
    }

    private void succeeded(LoginSecret secret) {
        state = State.DONE;
        session.endpoint().throttle().succeeded(session.user(), address);
        session.authenticated(secret);
    }

    private void failed(String reason) {
        state = State.DONE;
        session.endpoint().throttle().failed(session.user(), address);
        session.endpoint().users().invalidate(session.user());
        session.endpoint().metrics().authFailed();
        session.fatal(PgError.fatal(PgError.INVALID_PASSWORD,
                "password authentication failed for user \"" + session.user() + "\""), reason);
    }

    /** A stable, made-up verifier for a user that does not exist, so the exchange looks like any other. */
    private static ScramVerifier decoy(String user) {
        byte[] salt = java.util.Arrays.copyOf(ScramVerifier.fromPassword(user, DECOY_SALT_KEY, 1).storedKey(), 16);
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return new ScramVerifier(4096, salt, key, key);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        session.fatal(PgError.fatal(PgError.PROTOCOL_VIOLATION, "invalid message during authentication: "
                + cause.getMessage()), cause.toString());
    }
}
