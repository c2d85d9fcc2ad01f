package io.auriga.pg.it;

import io.auriga.core.auth.AuthException;
import io.auriga.core.auth.LoginSecret;
import io.auriga.core.auth.ScramClient;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** A bare socket to an endpoint for sending malformed input and reading what comes back. */
final class RawClient implements AutoCloseable {
    private final Socket socket;

    RawClient(int port, int readTimeoutMillis) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(readTimeoutMillis);
    }

    /** From {@code localAddress} (another loopback address, such as 127.0.0.2), to tell clients apart. */
    RawClient(int port, int readTimeoutMillis, String localAddress) throws IOException {
        socket = new Socket("127.0.0.1", port, java.net.InetAddress.getByName(localAddress), 0);
        socket.setSoTimeout(readTimeoutMillis);
    }

    RawClient send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /**
     * Reads one ErrorResponse and returns its fields by type ('C' SQLSTATE, 'M' message), or throws
     * when something else comes first.
     */
    Map<Character, String> readError() throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int tag = in.read();
        if (tag != 'E') {
            throw new IOException("expected an ErrorResponse, got " + (tag < 0 ? "end of stream" : "'" + (char) tag + "'"));
        }
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return fields(body);
    }

    /** The fields of an ErrorResponse body by type. */
    static Map<Character, String> fields(byte[] body) {
        Map<Character, String> fields = new HashMap<>();
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char type = (char) body[i++];
            int end = i;
            while (body[end] != 0) {
                end++;
            }
            fields.put(type, new String(body, i, end - i, StandardCharsets.UTF_8));
            i = end + 1;
        }
        return fields;
    }

    /** One message from the proxy, whatever its type. */
    record Message(char tag, byte[] body) {
        int int32(int at) {
            return java.nio.ByteBuffer.wrap(body).getInt(at);
        }
    }

    Message readMessage() throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int tag = in.read();
        if (tag < 0) {
            throw new EOFException("expected a message, got end of stream");
        }
        byte[] body = new byte[in.readInt() - 4];
        in.readFully(body);
        return new Message((char) tag, body);
    }

    /**
     * Logs in over SCRAM-SHA-256 (with the proxy's own client side of it) and reads up to the first
     * ReadyForQuery.
     */
    RawClient login(String user, String password, String database) throws IOException {
        send(startup(PgMessages.PROTOCOL_3_0, "user", user, "database", database));
        ScramClient scram = new ScramClient(new LoginSecret.Password(password), new SecureRandom());
        expectAuthentication(PgMessages.AUTH_SASL);
        send(bytes(PgMessages.saslInitialResponse(UnpooledByteBufAllocator.DEFAULT, PgMessages.SCRAM_SHA_256,
                scram.clientFirst())));
        try {
            String serverFirst = expectAuthentication(PgMessages.AUTH_SASL_CONTINUE);
            send(bytes(PgMessages.saslResponse(UnpooledByteBufAllocator.DEFAULT, scram.clientFinal(serverFirst))));
            scram.verifyServerFinal(expectAuthentication(PgMessages.AUTH_SASL_FINAL));
        } catch (AuthException e) {
            throw new IOException("SCRAM exchange failed", e);
        }
        while (readMessage().tag() != 'Z') {
            // AuthenticationOk, ParameterStatus, BackendKeyData
        }
        return this;
    }

    private String expectAuthentication(int code) throws IOException {
        Message m = readMessage();
        if (m.tag() != 'R' || m.int32(0) != code) {
            throw new IOException("expected authentication request " + code + ", got '" + m.tag() + "'");
        }
        return new String(m.body(), 4, m.body().length - 4, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(io.netty.buffer.ByteBuf buf) {
        try {
            return io.netty.buffer.ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** Skips one Authentication request ('R') and then reads an ErrorResponse. */
    Map<Character, String> readErrorAfterAuthRequest() throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int tag = in.read();
        if (tag != 'R') {
            throw new IOException("expected an authentication request, got " + tag);
        }
        in.readFully(new byte[in.readInt() - 4]);
        return readError();
    }

    /** The next byte from the proxy, or -1 at end of stream; throws when nothing comes within the timeout. */
    int readByte() throws IOException {
        return socket.getInputStream().read();
    }

    /** True when the proxy closed the connection (end of stream) within the read timeout. */
    boolean closedByPeer() throws IOException {
        InputStream in = socket.getInputStream();
        try {
            byte[] drain = new byte[1024];
            while (true) {
                if (in.read(drain) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    static byte[] startup(int version, String... keyValues) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String s : keyValues) {
            body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        body.write(0);
        return packet(version, body.toByteArray());
    }

    static byte[] packet(int code, byte[] body) {
        int length = 8 + body.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.write(code >>> 24);
        out.write(code >>> 16);
        out.write(code >>> 8);
        out.write(code);
        out.writeBytes(body);
        return out.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
