package io.auriga.core.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.auriga.config.AdminConfig;
import io.auriga.config.Secret;
import io.auriga.core.topology.Topology;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
    private static final String TOKEN = "admin-token-for-the-tests-0123";
    private static EventLoopGroup group;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicReference<List<Topology>> topologies =
            new AtomicReference<>(List.of(Topologies.main(), Topologies.shop()));
    private final Metrics metrics = new Metrics();
    private AdminServer server;

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void start() throws IOException {
        server = new AdminServer(group, withToken("127.0.0.1"), topologies::get, metrics, AdminControl.NONE);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void bindsAnEphemeralPort() {
        assertTrue(server.port() > 0);
        assertEquals("127.0.0.1", server.localAddress().getAddress().getHostAddress());
    }

    @Test
    void topologyAnswersTheDocumentedJson() throws Exception {
        HttpResponse<String> response = get("/topology");

        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        TopologyJson.ClustersView view = TopologyJson.parse(response.body());
        assertEquals(List.of("main", "shop"), view.clusters().stream().map(TopologyJson.ClusterView::name).toList());
        TopologyJson.ClusterView main = view.clusters().get(0);
        assertEquals(3, main.epoch());
        assertEquals("postgres", main.engine());
        assertEquals(List.of("primary", "replica", "down"),
                main.instances().stream().map(TopologyJson.InstanceView::role).toList());
        assertEquals(42, main.instances().get(1).lagMillis());
        assertEquals(5433, main.instances().get(1).port());
        assertEquals("mysql", view.clusters().get(1).engine());
    }

    @Test
    void healthIsOkWhenEveryClusterHasAPrimary() throws Exception {
        HttpResponse<String> response = get("/health");

        assertEquals(200, response.statusCode());
        assertEquals("{\"status\":\"ok\"}", response.body());
    }

    @Test
    void healthIsDegradedWhenAClusterHasNoPrimary() throws Exception {
        topologies.set(List.of(Topologies.mainWithoutPrimary(), Topologies.shop()));

        HttpResponse<String> response = get("/health");

        assertEquals(503, response.statusCode());
        JsonNode body = new JsonMapper().readTree(response.body());
        assertEquals("degraded", body.get("status").asText());
        assertEquals(1, body.get("clusters").size());
        assertEquals("main", body.get("clusters").get(0).get("name").asText());
        assertEquals("no primary", body.get("clusters").get(0).get("reason").asText());
    }

    @Test
    void metricsAnswersPrometheusText() throws Exception {
        EndpointMetrics writer = metrics.endpoint("main", "writer");
        writer.clientConnected();
        writer.authFailed();

        HttpResponse<String> response = get("/metrics");

        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        List<String> lines = response.body().lines().toList();
        assertTrue(lines.contains("auriga_client_connections_total{cluster=\"main\",endpoint=\"writer\"} 1"));
        assertTrue(lines.contains("auriga_client_connections_active{cluster=\"main\",endpoint=\"writer\"} 1"));
        assertTrue(lines.contains("auriga_auth_failures_total{cluster=\"main\",endpoint=\"writer\"} 1"));
        assertTrue(lines.contains("auriga_topology_epoch{cluster=\"main\"} 3"));
        assertTrue(lines.contains("auriga_instance_up{cluster=\"shop\",instance=\"my1\",role=\"primary\"} 1"));
    }

    @Test
    void unknownPathIs404AndOtherMethodsAre405() throws Exception {
        assertEquals(404, get("/nope").statusCode());
        assertEquals(404, get("/health/extra").statusCode());

        HttpResponse<String> post = http.send(authorized(uri("/health"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElseThrow());
    }

    @Test
    void switchoverTakesPostAndAnswersWhenTheSwitchoverEnds() throws Exception {
        java.util.concurrent.CompletableFuture<io.auriga.core.failover.SwitchoverResult> running =
                new java.util.concurrent.CompletableFuture<>();
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        AdminControl control = new AdminControl() {
            @Override
            public InProgress inProgress(String cluster) {
                return new InProgress("switchover", "switchover from pg1 to pg2");
            }

            @Override
            public java.util.concurrent.CompletableFuture<io.auriga.core.failover.SwitchoverResult> switchover(
                    String cluster, String target) {
                asked.add(cluster + "->" + target);
                return running;
            }
        };
        AdminServer withControl = new AdminServer(group, withToken("127.0.0.1"), topologies::get, metrics, control);
        withControl.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + withControl.port());
            assertEquals(400, http.send(authorized(base.resolve("/switchover"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode(), "no cluster named");
            var answer = http.sendAsync(authorized(base.resolve("/switchover?cluster=main&to=pg2"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> topology = http.send(authorized(base.resolve("/topology")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("switchover", TopologyJson.parse(topology.body()).clusters().get(0).inProgress().kind());
            Thread.sleep(100);
            assertFalse(answer.isDone(), "answered only when the switchover ends");
            running.complete(io.auriga.core.failover.SwitchoverResult.refused("main",
                    io.auriga.core.failover.SwitchoverResult.Outcome.CONFLICT, "pg2 is marked no-failover"));
            HttpResponse<String> response = answer.get(5, TimeUnit.SECONDS);
            assertEquals(409, response.statusCode());
            assertEquals("conflict", SwitchoverJson.parse(response.body()).outcome());
            assertEquals(List.of("main->pg2"), asked);
            HttpResponse<String> get = http.send(authorized(base.resolve("/switchover?cluster=main"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, get.statusCode());
            assertEquals("POST", get.headers().firstValue("allow").orElseThrow());
        } finally {
            withControl.close();
        }
    }

    @Test
    void aSwitchoverWithoutTheTokenIsRefusedAndNeverStarted() throws Exception {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        AdminServer guarded = new AdminServer(group, withToken("127.0.0.1"), topologies::get, metrics,
                recording(asked));
        guarded.start();
        try {
            URI switchover = URI.create("http://127.0.0.1:" + guarded.port() + "/switchover?cluster=main&to=pg2");
            HttpResponse<String> none = post(HttpRequest.newBuilder(switchover));
            assertEquals(401, none.statusCode(), none.body());
            assertEquals("Bearer realm=\"auriga-admin\"", none.headers().firstValue("www-authenticate").orElseThrow());
            assertTrue(none.body().contains("needs an admin token"), none.body());
            assertEquals(401, post(HttpRequest.newBuilder(switchover).header("Authorization", "Bearer " + TOKEN + "x"))
                    .statusCode(), "a longer token");
            assertEquals(401, post(HttpRequest.newBuilder(switchover).header("Authorization", "Basic " + TOKEN))
                    .statusCode(), "not a bearer token");
            assertEquals(List.of(), asked, "no switchover was started");

            assertEquals(409, post(authorized(switchover)).statusCode(), "reached the control, which refused it");
            assertEquals(List.of("main->pg2"), asked);
        } finally {
            guarded.close();
        }
    }

    @Test
    void aRequestAnotherSiteMakesThroughTheBrowserIsRefusedEvenWithTheToken() throws Exception {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        AdminServer guarded = new AdminServer(group, withToken("127.0.0.1"), topologies::get, metrics,
                recording(asked));
        guarded.start();
        try {
            int port = guarded.port();
            URI switchover = URI.create("http://127.0.0.1:" + port + "/switchover?cluster=main");
            HttpResponse<String> forged = post(authorized(switchover).header("Origin", "http://evil.example"));
            assertEquals(403, forged.statusCode(), forged.body());
            assertTrue(forged.body().contains("Origin http://evil.example is not this admin listener"), forged.body());
            assertEquals(403, post(authorized(switchover).header("Origin", "http://127.0.0.1:" + (port + 1)))
                    .statusCode(), "another port of the same host is another site");
            assertEquals(403, post(authorized(switchover).header("Origin", "null")).statusCode());
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(5000);
                // DNS rebinding: the attacker's name now resolves to 127.0.0.1, so the browser sends its Host.
                send(socket, "POST /switchover?cluster=main HTTP/1.1\r\nHost: evil.example:" + port
                        + "\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Length: 0\r\n\r\n");
                String response = readResponse(socket.getInputStream());
                assertTrue(response.startsWith("HTTP/1.1 403 Forbidden"), response);
            }
            assertEquals(List.of(), asked, "no switchover was started");

            assertEquals(409, post(authorized(switchover).header("Origin", "http://127.0.0.1:" + port)).statusCode(),
                    "the listener's own origin reaches the control");
            assertEquals(409, post(authorized(URI.create("http://localhost:" + port + "/switchover?cluster=main")))
                    .statusCode(), "localhost names the listener too");
        } finally {
            guarded.close();
        }
    }

    @Test
    void readsNeedTheTokenUnlessPublicReadButHealthIsOpen() throws Exception {
        assertEquals(401, plainGet(uri("/topology")).statusCode());
        assertEquals(401, plainGet(uri("/metrics")).statusCode());
        assertEquals(401, plainGet(uri("/nope")).statusCode(), "an unknown path tells nothing without the token");
        assertEquals(200, plainGet(uri("/health")).statusCode());

        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        AdminConfig publicRead = new AdminConfig("127.0.0.1", 0, List.of(new Secret(TOKEN, "test")), true, List.of());
        AdminServer open = new AdminServer(group, publicRead, topologies::get, metrics, recording(asked));
        open.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + open.port());
            assertEquals(200, plainGet(base.resolve("/topology")).statusCode());
            assertEquals(200, plainGet(base.resolve("/metrics")).statusCode());
            assertEquals(401, post(HttpRequest.newBuilder(base.resolve("/switchover?cluster=main"))).statusCode(),
                    "public-read opens reads only");
            assertEquals(List.of(), asked);
        } finally {
            open.close();
        }
    }

    @Test
    void withoutAdminAuthNothingChangesTheCluster() throws Exception {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        AdminServer unconfigured = new AdminServer(group, "127.0.0.1", 0, topologies::get, metrics, recording(asked));
        unconfigured.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + unconfigured.port());
            HttpResponse<String> refused = post(authorized(base.resolve("/switchover?cluster=main")));
            assertEquals(403, refused.statusCode());
            assertTrue(refused.body().contains("admin.auth is not configured"), refused.body());
            assertEquals(403, plainGet(base.resolve("/topology")).statusCode());
            assertEquals(200, plainGet(base.resolve("/health")).statusCode());
            assertEquals(List.of(), asked);
        } finally {
            unconfigured.close();
        }
    }

    @Test
    void aListenerOffLoopbackWithoutTokensIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdminServer(group,
                new AdminConfig("0.0.0.0", 0), topologies::get, metrics, AdminControl.NONE));
        assertTrue(e.getMessage().contains("needs admin.auth tokens"), e.getMessage());
    }

    @Test
    void headAnswersHeadersOnly() throws Exception {
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(uri("/health"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals("15", head.headers().firstValue("content-length").orElseThrow());
    }

    @Test
    void keepsTheConnectionAliveUntilTheClientAsksToClose() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /topology HTTP/1.1\r\nHost: 127.0.0.1:"
                    + server.port() + "\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n");
            String first = readResponse(socket.getInputStream());
            String second = readResponse(socket.getInputStream());
            assertTrue(first.startsWith("HTTP/1.1 200 OK"), first);
            assertTrue(second.startsWith("HTTP/1.1 200 OK") && second.contains("\"clusters\""), second);

            send(socket, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String last = readResponse(socket.getInputStream());
            assertTrue(last.toLowerCase().contains("connection: close"), last);
            assertEquals(-1, socket.getInputStream().read(), "closed after the response");
        }
    }

    @Test
    void closesAfterAnHttp10Request() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.0\r\n\r\n");
            assertTrue(readResponse(socket.getInputStream()).contains("200 OK"));
            assertEquals(-1, socket.getInputStream().read());
        }
    }

    @Test
    void malformedRequestIs400AndClosed() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
            String response = readResponse(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 400 Bad Request"), response);
            assertEquals(-1, socket.getInputStream().read());
        }
    }

    @Test
    void oversizedBodyIsRefused() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/health"))
                .method("GET", HttpRequest.BodyPublishers.ofString("x".repeat(AdminServer.MAX_CONTENT + 1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode());
    }

    @Test
    void failingSupplierIs500AndTheServerKeepsServing() throws Exception {
        AdminServer broken = new AdminServer(group, withToken("127.0.0.1"), () -> {
            throw new IllegalStateException("boom");
        }, metrics, AdminControl.NONE);
        broken.start();
        try {
            HttpResponse<String> response = http.send(authorized(
                    URI.create("http://127.0.0.1:" + broken.port() + "/topology")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(500, response.statusCode());
            assertTrue(response.body().contains("boom"));
        } finally {
            broken.close();
        }
    }

    @Test
    void closeStopsListeningAndAPortInUseIsReported() throws Exception {
        AdminServer clash = new AdminServer(group, "127.0.0.1", server.port(), topologies::get, metrics);
        IOException e = assertThrows(IOException.class, clash::start);
        assertTrue(e.getMessage().startsWith("admin listener 127.0.0.1:" + server.port()), e.getMessage());

        int port = server.port();
        server.close();
        // NIO closes a registered listening socket's descriptor at the selector's next pass, which a
        // busy machine may delay by a moment after the close completes.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (listening(port) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(listening(port), "port " + port + " still accepts connections");
    }

    @Test
    void servesOnTheEpollTransportWhenGivenItsChannelType() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "native epoll not available here");
        EventLoopGroup epoll = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        AdminServer onEpoll = new AdminServer(epoll, EpollServerSocketChannel.class, "127.0.0.1", 0, topologies::get,
                metrics);
        try {
            onEpoll.start();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + onEpoll.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
        } finally {
            onEpoll.close();
            epoll.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void refusesAGroupWhoseChannelTypeItCannotKnow() {
        EventLoopGroup local = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> new AdminServer(local, "127.0.0.1", 0, List::of, metrics));
        } finally {
            local.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(authorized(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> plainGet(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A control that completes every switchover at once and records what it was asked. */
    private static AdminControl recording(List<String> asked) {
        return new AdminControl() {
            @Override
            public InProgress inProgress(String cluster) {
                return null;
            }

            @Override
            public java.util.concurrent.CompletableFuture<io.auriga.core.failover.SwitchoverResult> switchover(
                    String cluster, String target) {
                asked.add(cluster + "->" + target);
                return java.util.concurrent.CompletableFuture.completedFuture(
                        io.auriga.core.failover.SwitchoverResult.refused(cluster,
                                io.auriga.core.failover.SwitchoverResult.Outcome.CONFLICT, "recorded only"));
            }
        };
    }

    private static HttpRequest.Builder authorized(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN);
    }

    /** An ephemeral-port listener on {@code host} that accepts {@link #TOKEN}. */
    private static AdminConfig withToken(String host) {
        return new AdminConfig(host, 0).withToken(new Secret(TOKEN, "test"));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(5000);
        return socket;
    }

    private static void send(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Reads one response: headers, then exactly Content-Length bytes of body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b == -1) {
                throw new IOException("connection closed after " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        int length = headers.lines()
                .filter(l -> l.toLowerCase().startsWith("content-length:"))
                .mapToInt(l -> Integer.parseInt(l.substring("content-length:".length()).trim()))
                .findFirst().orElse(0);
        byte[] body = in.readNBytes(length);
        assertFalse(body.length < length, "short body");
        return headers + new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Whether something accepts connections on the port. A connect to a free port in the ephemeral
     * range can pick that very port as its own end and connect to itself; that is no listener.
     */
    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000);
            return socket.getLocalPort() != port;
        } catch (IOException refused) {
            return false;
        }
    }
}
