package io.auriga.pg.backend;

import io.auriga.core.auth.AuthException;
import io.auriga.core.auth.LoginSecret;
import io.auriga.core.auth.Md5Password;
import io.auriga.core.auth.ScramClient;
import io.auriga.core.topology.InstanceState;
import io.auriga.pg.protocol.PgError;
import io.auriga.pg.protocol.PgFrame;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * Logs in to a backend on a client's behalf (protocol §55.2.2, "Start-up"), in plain text or once
 * {@link PgBackendTls} has set up TLS:
 * <pre>
 *   proxy → StartupMessage(user, database, client parameters)
 *   backend → AuthenticationSASL / MD5Password / CleartextPassword / Ok
 *   proxy ⇄ SCRAM exchange with the recovered ClientKey (or md5 hash, or password)
 *   backend → ParameterStatus*, BackendKeyData, ReadyForQuery      ⇒ promise succeeds
 *   backend → ErrorResponse                                         ⇒ promise fails, error kept
 * </pre>
 */
final class PgBackendHandshake extends SimpleChannelInboundHandler<PgFrame> {
    private final InstanceState instance;
    private final String user;
    private final Map<String, String> startupParameters;
    private final LoginSecret secret;
    private final SecureRandom random;
    private final Promise<PgBackend> result;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private ScramClient scram;
    private int processId;
    private int secretKey;

    PgBackendHandshake(InstanceState instance, String user, Map<String, String> startupParameters,
                       LoginSecret secret, SecureRandom random, Promise<PgBackend> result) {
        this.instance = instance;
        this.user = user;
        this.startupParameters = startupParameters;
        this.secret = secret;
        this.random = random;
        this.result = result;
    }

    /** The connection is up, in plain text ({@link PgBackendTls} passes this on only then). */
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(PgMessages.startupMessage(ctx.alloc(), startupParameters));
        ctx.fireChannelActive();
    }

    /** The connection is up over TLS, or its TLS handshake failed. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                ctx.writeAndFlush(PgMessages.startupMessage(ctx.alloc(), startupParameters));
            } else {
                fail(ctx, new BackendLoginException("TLS handshake with " + instance.name() + " failed: "
                        + handshake.cause().getMessage(), handshake.cause()));
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, PgFrame frame) throws Exception {
        ByteBuf body = frame.body();
        switch (frame.tag()) {
            case 'R' -> authentication(ctx, body);
            case 'S' -> {
                String name = PgMessages.readCString(body);
                String value = PgMessages.readCString(body);
                if (name != null && value != null) {
                    parameters.put(name, value);
                }
            }
            case 'K' -> {
                processId = body.readInt();
                secretKey = body.readInt();
            }
            case 'Z' -> result.trySuccess(new PgBackend(ctx.channel(), instance, parameters, processId, secretKey));
            case 'E' -> {
                ByteBuf whole = ctx.alloc().buffer(5 + body.readableBytes());
                try {
                    whole.writeByte('E').writeInt(4 + body.readableBytes()).writeBytes(body, body.readerIndex(),
                            body.readableBytes());
                    fail(ctx, new BackendLoginException(instance.name() + " refused the login: "
                            + PgError.describe(body), ByteBufUtil.getBytes(whole)));
                } finally {
                    whole.release();
                }
            }
            case 'N', 'v' -> {
                // Notices and a NegotiateProtocolVersion (for a 3.0 request) change nothing here.
            }
            default -> fail(ctx, new BackendLoginException(
                    instance.name() + " sent an unexpected message '" + (char) frame.tag() + "' during login",
                    (byte[]) null));
        }
    }

    private void authentication(ChannelHandlerContext ctx, ByteBuf body) throws AuthException {
        int code = body.readInt();
        switch (code) {
            case PgMessages.AUTH_OK -> {
            }
            case PgMessages.AUTH_SASL -> {
                List<String> mechanisms = new ArrayList<>();
                for (String m = PgMessages.readCString(body); m != null && !m.isEmpty();
                     m = PgMessages.readCString(body)) {
                    mechanisms.add(m);
                }
                if (!mechanisms.contains(PgMessages.SCRAM_SHA_256)) {
                    throw new AuthException(instance.name() + " offers no SCRAM-SHA-256, only " + mechanisms);
                }
                if (secret instanceof LoginSecret.Md5) {
                    // As directly: a server asking for SCRAM cannot check a password stored as md5.
                    throw new AuthException(instance.name() + " asks for SCRAM-SHA-256 but the password of user "
                            + user + " is stored as md5; set it again with password_encryption = 'scram-sha-256'");
                }
                scram = new ScramClient(secret, random);
                ctx.writeAndFlush(PgMessages.saslInitialResponse(ctx.alloc(), PgMessages.SCRAM_SHA_256,
                        scram.clientFirst()));
            }
            case PgMessages.AUTH_SASL_CONTINUE -> ctx.writeAndFlush(PgMessages.saslResponse(ctx.alloc(),
                    requireScram().clientFinal(body.toString(StandardCharsets.UTF_8))));
            case PgMessages.AUTH_SASL_FINAL -> requireScram().verifyServerFinal(body.toString(StandardCharsets.UTF_8));
            case PgMessages.AUTH_MD5 -> {
                byte[] salt = new byte[4];
                body.readBytes(salt);
                String hash = secret.md5Hash(user).orElseThrow(() -> new AuthException(instance.name()
                        + " asks for md5 but the user's password is stored as SCRAM; set password_encryption"
                        + " consistently or configure the user's password"));
                ctx.writeAndFlush(PgMessages.passwordMessage(ctx.alloc(), Md5Password.response(hash, salt)));
            }
            case PgMessages.AUTH_CLEARTEXT -> ctx.writeAndFlush(PgMessages.passwordMessage(ctx.alloc(),
                    secret.password().orElseThrow(() -> new AuthException(instance.name()
                            + " asks for a clear-text password, which the proxy does not hold for this user"))));
            default -> throw new AuthException(instance.name() + " asks for unsupported authentication method " + code);
        }
    }

    private ScramClient requireScram() throws AuthException {
        if (scram == null) {
            throw new AuthException(instance.name() + " continued a SASL exchange that was not started");
        }
        return scram;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new BackendLoginException(instance.name() + " closed the connection during login", (byte[]) null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof BackendLoginException e) {
            fail(ctx, e);
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException e) {
            fail(ctx, new BackendLoginException("TLS handshake with " + instance.name() + " failed: "
                    + e.getMessage(), e));
        } else if (cause instanceof AuthException) {
            fail(ctx, BackendLoginException.cannotAuthenticate(cause.getMessage()));
        } else {
            fail(ctx, new BackendLoginException("login to " + instance.name() + " failed: " + cause, cause));
        }
    }

    private void fail(ChannelHandlerContext ctx, BackendLoginException e) {
        if (result.tryFailure(e)) {
            ctx.close();
        }
    }
}
