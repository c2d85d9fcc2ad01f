package io.auriga.pg.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link on the loopback between Auriga and one database instance, for faults the database
 * cannot be made to show by itself: {@link #holdRequests} stops passing on what the connections
 * open at that moment send to the server (answers still come back), as when requests are stuck
 * in a network while the server dies. New connections pass through untouched.
 */
final class FaultyLink implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();

    FaultyLink(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "faulty-link-" + target);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** From now on, nothing the connections open now send reaches the server. */
    void holdRequests() {
        pairs.forEach(p -> p.holding = true);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2000);
                } catch (IOException refused) {
                    client.close();
                    continue;
                }
                Pair pair = new Pair(client, upstream);
                pairs.add(pair);
                pump(pair, client, upstream, true);
                pump(pair, upstream, client, false);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Pair pair, Socket from, Socket to, boolean requests) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (!(requests && pair.holding)) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // One side went away; the other is closed below.
            } finally {
                pair.close();
            }
        }, "faulty-link-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        pairs.forEach(Pair::close);
    }

    private final class Pair {
        private final Socket client;
        private final Socket upstream;
        volatile boolean holding;

        Pair(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            try {
                client.close();
                upstream.close();
            } catch (IOException ignored) {
                // Closing a socket that is already gone.
            }
            pairs.remove(this);
        }
    }
}
