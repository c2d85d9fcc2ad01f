package io.auriga.sandbox;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Chooses loopback ports for sandbox instances. Only 127.0.0.1 is ever bound. */
public final class Ports {

    private Ports() {
    }

    /**
     * {@code count} distinct ports: {@code basePort}, {@code basePort + 1}, … when {@code basePort}
     * is set (each checked to be free), else ports the kernel hands out. A port chosen here can still
     * be taken by someone else before the server binds it; the server's start then fails loudly.
     */
    public static List<Integer> allocate(int basePort, int count) {
        return basePort > 0 ? checkedRange(basePort, count) : ephemeral(count);
    }

    /** Whether nothing listens on {@code 127.0.0.1:port}. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(loopback(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Integer> checkedRange(int basePort, int count) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int port = basePort + i;
            if (!isFree(port)) {
                throw new SandboxException("port 127.0.0.1:" + port + " is in use; choose another base port");
            }
            ports.add(port);
        }
        return ports;
    }

    /** Holds every socket open until all are bound, so the ports are distinct. */
    private static List<Integer> ephemeral(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, loopback());
                sockets.add(socket);
                ports.add(socket.getLocalPort());
            }
            return ports;
        } catch (IOException e) {
            throw new SandboxException("cannot find free loopback ports: " + e.getMessage(), e);
        } finally {
            sockets.forEach(Ports::closeQuietly);
        }
    }

    /** 127.0.0.1 explicitly: the loopback default may be ::1 on an IPv6-preferring JVM. */
    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to release beyond the descriptor
        }
    }
}
