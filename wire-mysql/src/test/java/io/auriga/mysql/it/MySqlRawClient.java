package io.auriga.mysql.it;

import io.auriga.mysql.auth.NativePassword;
import io.auriga.mysql.protocol.HandshakeV10;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A bare socket to a MySQL endpoint for sending malformed input (or leaving rudely) and reading what comes back. */
final class MySqlRawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    /** The scramble of the greeting {@link #login} read: what a client answers COM_CHANGE_USER with. */
    private byte[] loginScramble;

    MySqlRawClient(int port, int readTimeoutMillis) throws IOException {
        this(port, readTimeoutMillis, "127.0.0.1");
    }

    /** From {@code localAddress} (another loopback address, such as 127.0.0.2), to tell clients apart. */
    MySqlRawClient(int port, int readTimeoutMillis, String localAddress) throws IOException {
        socket = new Socket("127.0.0.1", port, java.net.InetAddress.getByName(localAddress), 0);
        socket.setSoTimeout(readTimeoutMillis);
        in = new DataInputStream(socket.getInputStream());
    }

    MySqlRawClient send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** Sends {@code payload} as one packet. */
    MySqlRawClient packet(int sequenceId, byte[] payload) throws IOException {
        byte[] bytes = new byte[4 + payload.length];
        bytes[0] = (byte) payload.length;
        bytes[1] = (byte) (payload.length >>> 8);
        bytes[2] = (byte) (payload.length >>> 16);
        bytes[3] = (byte) sequenceId;
        System.arraycopy(payload, 0, bytes, 4, payload.length);
        return send(bytes);
    }

    /** Reads one packet's payload. */
    byte[] read() throws IOException {
        int length = in.readUnsignedByte() | in.readUnsignedByte() << 8 | in.readUnsignedByte() << 16;
        in.readUnsignedByte();
        byte[] payload = new byte[length];
        in.readFully(payload);
        return payload;
    }

    /** Reads the greeting (Handshake v10). */
    byte[] greeting() throws IOException {
        byte[] payload = read();
        if (payload[0] != 10) {
            throw new IOException("expected Handshake v10, got header " + payload[0]);
        }
        return payload;
    }

    /** Reads one packet, which must be an ERR, and returns {code, sqlstate, message}. */
    String[] readError() throws IOException {
        byte[] p = read();
        if ((p[0] & 0xFF) != 0xFF) {
            throw new IOException("expected ERR, got header 0x" + Integer.toHexString(p[0] & 0xFF));
        }
        int code = (p[1] & 0xFF) | (p[2] & 0xFF) << 8;
        String state = new String(p, 4, 5, StandardCharsets.UTF_8);
        String message = new String(p, 9, p.length - 9, StandardCharsets.UTF_8);
        return new String[] {Integer.toString(code), state, message};
    }

    /** True when the peer closed the connection (end of stream or reset) before the read timeout. */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /**
     * Reads the greeting and logs in as {@code user} with mysql_native_password, asking for
     * {@code extraCapabilities} besides the usual ones; the final OK must come.
     */
    MySqlRawClient login(String user, String password, int extraCapabilities) throws IOException {
        byte[] ok = loginReply(user, password, extraCapabilities);
        if (ok[0] != 0) {
            throw new IOException("login refused: header 0x" + Integer.toHexString(ok[0] & 0xFF));
        }
        return this;
    }

    /** Reads the greeting, answers it as {@link #login} does, and returns the server's reply, OK or ERR. */
    byte[] loginReply(String user, String password, int extraCapabilities) throws IOException {
        byte[] scramble = io.auriga.mysql.protocol.HandshakeV10.decode(io.netty.buffer.Unpooled.wrappedBuffer(greeting()))
                .scramble();
        byte[] answer = io.auriga.mysql.auth.NativePassword.response(
                io.auriga.mysql.auth.NativePassword.stage1(password), scramble);
        packet(1, handshakeResponse(user, answer, "mysql_native_password", extraCapabilities));
        return read();
    }

    /** Reads one packet of the compressed protocol and returns the plain bytes it carries. */
    byte[] readCompressed() throws IOException {
        int length = in.readUnsignedByte() | in.readUnsignedByte() << 8 | in.readUnsignedByte() << 16;
        in.readUnsignedByte();
        int plain = in.readUnsignedByte() | in.readUnsignedByte() << 8 | in.readUnsignedByte() << 16;
        byte[] data = new byte[length];
        in.readFully(data);
        if (plain == 0) {
            return data;
        }
        java.util.zip.Inflater inflater = new java.util.zip.Inflater();
        try {
            inflater.setInput(data);
            byte[] out = new byte[plain];
            if (inflater.inflate(out) != plain) {
                throw new IOException("compressed packet shorter than its header says");
            }
            return out;
        } catch (java.util.zip.DataFormatException e) {
            throw new IOException(e);
        } finally {
            inflater.end();
        }
    }

    /** A HandshakeResponse41 with CLIENT_PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH | CONNECT_WITH_DB. */
    static byte[] handshakeResponse(String user, byte[] authResponse, String plugin) {
        return handshakeResponse(user, authResponse, plugin, 0);
    }

    /** The same, with {@code extraCapabilities} (such as CLIENT_COMPRESS) set too. */
    static byte[] handshakeResponse(String user, byte[] authResponse, String plugin, int extraCapabilities) {
        var out = new java.io.ByteArrayOutputStream();
        int caps = 0x200 | 0x8000 | 0x80000 | 0x8 | extraCapabilities;
        out.writeBytes(new byte[] {(byte) caps, (byte) (caps >>> 8), (byte) (caps >>> 16), (byte) (caps >>> 24)});
        out.writeBytes(new byte[] {0, 0, 0, 1, 45});
        out.writeBytes(new byte[23]);
        out.writeBytes(user.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.write(authResponse.length);
        out.writeBytes(authResponse);
        out.writeBytes("auriga".getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.writeBytes(plugin.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        return out.toByteArray();
    }

    /**
     * Logs in as {@code user} with mysql_native_password (schema {@code auriga}) and reads the OK.
     * Returns the connection id of the greeting.
     */
    long login(String user, String password) throws IOException {
        var greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(greeting()));
        byte[] answer = NativePassword.response(NativePassword.stage1(password), greeting.scramble());
        packet(1, handshakeResponse(user, answer, "mysql_native_password"));
        byte[] ok = read();
        if (ok[0] != 0) {
            throw new IOException("login refused: header 0x" + Integer.toHexString(ok[0] & 0xFF));
        }
        return greeting.connectionId();
    }

    /** Sends {@code sql} as COM_QUERY. */
    MySqlRawClient query(String sql) throws IOException {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[1 + text.length];
        payload[0] = 0x03;
        System.arraycopy(text, 0, payload, 1, text.length);
        return packet(0, payload);
    }

    /** Leaves with a TCP reset (SO_LINGER 0) instead of a FIN. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /**
     * Logs in with mysql_native_password as a client does: the answer to the greeting's scramble, then
     * the answer to any AuthSwitchRequest. Returns the final packet (OK or ERR).
     */
    byte[] loginAnswer(String user, String password) throws IOException {
        loginScramble = scramble(greeting());
        byte[] response = io.auriga.mysql.auth.NativePassword.response(
                io.auriga.mysql.auth.NativePassword.stage1(password), loginScramble);
        packet(1, handshakeResponse(user, response, "mysql_native_password"));
        return afterSwitches(password);
    }

    /** The 20-byte scramble of a Handshake v10 payload. */
    static byte[] scramble(byte[] greeting) {
        int at = 1;
        while (greeting[at] != 0) {
            at++;
        }
        at += 1 + 4;
        byte[] scramble = new byte[20];
        System.arraycopy(greeting, at, scramble, 0, 8);
        at += 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10;
        System.arraycopy(greeting, at, scramble, 8, 12);
        return scramble;
    }

    /**
     * Sends COM_CHANGE_USER (CLIENT_SECURE_CONNECTION, CONNECT_WITH_DB and PLUGIN_AUTH shapes, collation 45)
     * answering the login's scramble for mysql_native_password, as clients do, then answers any AuthSwitchRequest as a client
     * does. Returns the final packet (OK or ERR).
     */
    byte[] changeUser(String user, String password, String database) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        out.write(0x11);
        out.writeBytes(user.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        byte[] response = io.auriga.mysql.auth.NativePassword.response(
                io.auriga.mysql.auth.NativePassword.stage1(password), loginScramble);
        out.write(response.length);
        out.writeBytes(response);
        out.writeBytes(database.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.write(45);
        out.write(0);
        out.writeBytes("mysql_native_password".getBytes(StandardCharsets.UTF_8));
        out.write(0);
        packet(0, out.toByteArray());
        return afterSwitches(password);
    }

    private byte[] afterSwitches(String password) throws IOException {
        int sequence = -1;
        while (true) {
            int length = in.readUnsignedByte() | in.readUnsignedByte() << 8 | in.readUnsignedByte() << 16;
            sequence = in.readUnsignedByte();
            byte[] p = new byte[length];
            in.readFully(p);
            if ((p[0] & 0xFF) != 0xFE) {
                return p;
            }
            int end = 1;
            while (p[end] != 0) {
                end++;
            }
            String plugin = new String(p, 1, end - 1, StandardCharsets.UTF_8);
            if (!plugin.equals("mysql_native_password")) {
                throw new IOException("asked to switch to " + plugin);
            }
            byte[] scramble = java.util.Arrays.copyOfRange(p, end + 1, end + 21);
            packet(sequence + 1, io.auriga.mysql.auth.NativePassword.response(
                    io.auriga.mysql.auth.NativePassword.stage1(password), scramble));
        }
    }

    /**
     * Runs {@code sql} with COM_QUERY and returns the first column of the first row as text ("NULL"
     * for NULL), "OK" for an OK, or "ERR code" for an ERR. Expects EOF packets (no CLIENT_DEPRECATE_EOF).
     */
    String ask(String sql) throws IOException {
        byte[] q = sql.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[q.length + 1];
        payload[0] = 0x03;
        System.arraycopy(q, 0, payload, 1, q.length);
        packet(0, payload);
        byte[] first = read();
        if ((first[0] & 0xFF) == 0xFF) {
            return "ERR " + ((first[1] & 0xFF) | (first[2] & 0xFF) << 8);
        }
        if (first[0] == 0) {
            return "OK";
        }
        int columns = first[0] & 0xFF;
        for (int i = 0; i < columns; i++) {
            read();
        }
        read();
        String value = null;
        while (true) {
            byte[] row = read();
            if ((row[0] & 0xFF) == 0xFE && row.length < 9) {
                return value;
            }
            if (value == null) {
                value = (row[0] & 0xFF) == 0xFB ? "NULL" : new String(row, 1, row[0] & 0xFF, StandardCharsets.UTF_8);
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
