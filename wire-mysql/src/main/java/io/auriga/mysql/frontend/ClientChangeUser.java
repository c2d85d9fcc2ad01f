package io.auriga.mysql.frontend;

import io.auriga.core.auth.AuthException;
import io.auriga.core.auth.LoginThrottle;
import io.auriga.core.auth.UserLookup;
import io.auriga.mysql.auth.BackendSecret;
import io.auriga.mysql.protocol.AuthSwitchRequest;
import io.auriga.mysql.protocol.ComChangeUser;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.MySqlErrors;
import io.auriga.mysql.protocol.MySqlPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A client's COM_CHANGE_USER, authenticated by the proxy as a login is ({@link MySqlAuthHandler}: the
 * same user lookup, the same login throttle), then carried out by the session ("COM_CHANGE_USER"):
 * <pre>
 *   client → COM_CHANGE_USER (user, answer to the connection's scramble, schema, collation, plugin,
 *            attributes)                                                                        seq 0
 *   proxy  → AuthSwitchRequest(mysql_native_password, fresh scramble)                           seq 1
 *            (a token user, an ed25519 account: AuthSwitchRequest(mysql_clear_password), over TLS
 *            only, else ERR 3159; {@link ClearTextLogin})
 *   client → the answer                                                                         seq 2
 *   proved ⇒ {@link MySqlSession#userChanged}: the backend is logged in as the new user on a fresh
 *            session, as the server resets its own → the backend's OK                           seq 3
 *   wrong password, unknown user ⇒ {@link MySqlSession#changeUserRefused}: the session is reset
 *            and stays the user it was → ERR 1045 28000 "Access denied for user 'u'@'host'"   seq 3
 *   after 3 failures on the connection ⇒ reset → ERR 1047 08S01 "Unknown command", unheard   seq 1
 * </pre>
 * MariaDB too answers with a fresh scramble rather than check the first answer: the connection's
 * scramble has been used once, and an answer to it could be replayed.
 */
final class ClientChangeUser {
    private enum State { ADMISSION, SWITCH, SWITCH_CLEAR, DONE }

    /** After this many failures on a connection MariaDB refuses COM_CHANGE_USER unheard, against guessing. */
    static final int MAX_FAILURES = 3;

    private final MySqlSession session;
    private final ComChangeUser request;
    private final byte[] scramble = MySqlSession.newScramble();
    private State state = State.ADMISSION;
    private UserLookup lookup;
    /** The sequence id of the proxy's next packet. */
    private int sequence = 1;

    ClientChangeUser(MySqlSession session, ComChangeUser request) {
        this.session = session;
        this.request = request;
    }

    /** Admits the attempt through the login throttle, then looks the user up; on the session's event loop. */
    void start() {
        if (session.changeUserFailures() >= MAX_FAILURES) {
            state = State.DONE;
            session.changeUserRefused(MySqlErrors.unknownCommand(), sequence, "COM_CHANGE_USER after " + MAX_FAILURES
                    + " failed ones on this connection: refused unheard");
            return;
        }
        Channel client = session.client();
        LoginThrottle.Admission admission = session.endpoint().throttle().admit(request.user(), session.clientHost());
        Runnable begin = admission.refused() ? () -> denied(true, "too many failed logins from this address at once")
                : this::lookup;
        if (admission.hold().isZero()) {
            begin.run();
        } else {
            // Held before anything is checked, as a login is, so the answer's timing says nothing.
            client.eventLoop().schedule(() -> {
                if (client.isActive() && state == State.ADMISSION) {
                    begin.run();
                }
            }, admission.hold().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void lookup() {
        session.endpoint().users().lookup(request.user()).whenComplete((found, error) ->
                session.client().eventLoop().execute(() ->
                        begin(error != null ? new UserLookup.Unavailable(error.toString()) : found)));
    }

    private void begin(UserLookup result) {
        if (!session.client().isActive() || state != State.ADMISSION) {
            return;
        }
        if (result instanceof UserLookup.Unavailable unavailable) {
            state = State.DONE;
            session.fatal(MySqlErrors.cannotConnect("cannot authenticate: the cluster's users cannot be read right now"),
                    sequence, unavailable.reason());
            return;
        }
        lookup = result;
        if (ClearTextLogin.needed(result)) {
            if (!session.tls()) {
                state = State.DONE;
                session.endpoint().metrics().authFailed();
                session.fatal(ClearTextLogin.needsTls(result, request.user()), sequence,
                        "clear-text COM_CHANGE_USER without TLS");
                return;
            }
            state = State.SWITCH_CLEAR;
            switchTo(MySqlAuthHandler.CLEAR);
            return;
        }
        state = State.SWITCH;
        switchTo(MySqlAuthHandler.NATIVE);
    }

    private void switchTo(String plugin) {
        Channel client = session.client();
        ByteBuf payload = client.alloc().buffer();
        try {
            new AuthSwitchRequest(plugin, Arrays.copyOf(scramble, scramble.length + 1)).encode(payload);
            client.writeAndFlush(MySqlPackets.frame(client.alloc(), sequence, payload));
        } finally {
            payload.release();
        }
        sequence += 2;
    }

    /**
     * A packet from the client while the change is under way: the answer to the AuthSwitchRequest,
     * whole, with the next sequence id; anything else breaks the exchange and ends the connection.
     */
    void message(int sequenceId, int length, ByteBuf payload) {
        if (state != State.SWITCH && state != State.SWITCH_CLEAR || sequenceId != sequence - 1) {
            state = State.DONE;
            session.fatal(MySqlErrors.packetsOutOfOrder(), sequence, "packet with sequence id " + sequenceId
                    + " during COM_CHANGE_USER");
            return;
        }
        if (payload.readableBytes() != length) {
            state = State.DONE;
            session.fatal(MySqlErrors.packetTooLarge("an answer of " + length + " bytes to COM_CHANGE_USER"), sequence,
                    "oversized COM_CHANGE_USER answer");
            return;
        }
        byte[] answer = ByteBufUtil.getBytes(payload);
        if (state == State.SWITCH_CLEAR) {
            clearText(answer);
            return;
        }
        byte[] stage1 = MySqlAuthHandler.verify(lookup, MySqlAuthHandler.NATIVE, scramble, answer);
        if (stage1 == null) {
            denied(answer.length > 0, MySqlAuthHandler.deniedReason(lookup));
        } else {
            accepted(new BackendSecret.Native(stage1));
        }
    }

    private void clearText(byte[] answer) {
        BackendSecret secret;
        try {
            secret = ClearTextLogin.check(lookup, request.user(), answer);
        } catch (AuthException e) {
            denied(ClearTextLogin.usingPassword(answer), e.getMessage());
            return;
        } finally {
            Arrays.fill(answer, (byte) 0);
        }
        accepted(secret);
    }

    private void accepted(BackendSecret secret) {
        state = State.DONE;
        session.endpoint().throttle().succeeded(request.user(), session.clientHost());
        session.userChanged(request, secret, sequence);
    }

    /** ERR 1045 as the server words it; {@code reason} goes to the log only. */
    private void denied(boolean usingPassword, String reason) {
        state = State.DONE;
        session.endpoint().throttle().failed(request.user(), session.clientHost());
        session.endpoint().users().invalidate(request.user());
        session.endpoint().metrics().authFailed();
        ErrPacket error = MySqlErrors.accessDenied(request.user(), session.clientHost(), usingPassword);
        session.changeUserRefused(error, sequence, "COM_CHANGE_USER to " + request.user() + " failed: " + reason);
    }
}
