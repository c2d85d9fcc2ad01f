package io.auriga.core.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.AdminTlsConfig;
import io.auriga.config.Secret;
import io.auriga.core.failover.SwitchoverResult;
import io.auriga.core.testing.CapturedLog;
import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsContexts;
import io.auriga.core.tls.TlsFiles;
import io.auriga.core.tls.TlsMaterialException;
import io.auriga.core.topology.Topology;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener over real TLS, with material from {@link CertificateAuthority}: the server's
 * own authority, the authority of the client certificates it accepts, and a stranger's.
 */
class AdminServerTlsTest {
    private static final String TOKEN = "admin-token-for-the-tls-tests";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static TlsFiles server;
    private static Path clientCa;
    private static Path opsCert;
    private static Path opsKey;
    private static Path strangerCert;
    private static Path strangerKey;

    private final List<Topology> topologies = List.of(Topologies.main(), Topologies.shop());
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private AdminServer admin;

    @BeforeAll
    static void makeMaterial() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Clock clock = Clock.systemUTC();
        server = CertificateAuthority.ensure(dir.resolve("server"), List.of("127.0.0.1", "localhost"));
        clientCa = CertificateAuthority.ensure(dir.resolve("clients"), List.of("clients.invalid")).caCert();
        opsCert = dir.resolve("ops.crt");
        opsKey = dir.resolve("ops.key");
        CertificateAuthority.issueClient(dir.resolve("clients"), "ops\nINJECTED", opsCert, opsKey, clock);
        CertificateAuthority.ensure(dir.resolve("other"), List.of("other.invalid"));
        strangerCert = dir.resolve("stranger.crt");
        strangerKey = dir.resolve("stranger.key");
        CertificateAuthority.issueClient(dir.resolve("other"), "ops", strangerCert, strangerKey, clock);
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void withoutCertificateOrTokenReadsAndChangesAreRefusedButHealthIsOpen() throws Exception {
        start(mtls("127.0.0.1"));
        HttpClient anonymous = client(null, null);

        HttpResponse<String> switchover = post(anonymous, "/switchover?cluster=main&to=pg2");
        assertEquals(401, switchover.statusCode(), switchover.body());
        assertTrue(switchover.body().contains("needs a client certificate from admin.tls.client-ca or an admin token"),
                switchover.body());
        assertEquals(401, get(anonymous, "/topology").statusCode());
        assertEquals(401, get(anonymous, "/metrics").statusCode());
        assertEquals(200, get(anonymous, "/health").statusCode(), "load balancers probe without a certificate");
        assertEquals(List.of(), asked, "no switchover was started");
    }

    @Test
    void theRightCertificateReadsAndChangesAndTheSwitchoverIsLoggedWithItsSubject() throws Exception {
        start(mtls("127.0.0.1"));
        HttpClient ops = client(opsCert, opsKey);

        HttpResponse<String> topology = get(ops, "/topology");
        assertEquals(200, topology.statusCode(), topology.body());
        assertEquals(List.of("main", "shop"), TopologyJson.parse(topology.body()).clusters().stream()
                .map(TopologyJson.ClusterView::name).toList());
        assertEquals(200, get(ops, "/metrics").statusCode());
        try (CapturedLog log = new CapturedLog(AdminHttpHandler.class)) {
            HttpResponse<String> switchover = post(ops, "/switchover?cluster=main&to=pg2");
            assertEquals(409, switchover.statusCode(), "reached the control, which refused it: " + switchover.body());
            assertEquals(List.of("main->pg2"), asked);
            List<String> lines = log.messages().stream().filter(m -> m.contains("switchover of cluster main")).toList();
            assertEquals(1, lines.size(), String.join("\n", log.messages()));
            assertTrue(lines.get(0).startsWith("Admin API: switchover of cluster main to pg2 requested by client "
                    + "certificate CN=ops\\nINJECTED,O=Auriga from /127.0.0.1:"), lines.get(0));
        }
    }

    @Test
    void aCertificateFromAnotherAuthorityFailsTheHandshake() throws Exception {
        start(mtls("127.0.0.1"));
        HttpClient insistent = HttpClient.newBuilder().connectTimeout(TIMEOUT)
                .sslContext(presentingAlways(strangerCert, strangerKey)).build();

        assertThrows(IOException.class, () -> post(insistent, "/switchover?cluster=main"));
        assertThrows(IOException.class, () -> get(insistent, "/health"), "refused in the handshake, before any path");
        assertEquals(List.of(), asked);

        // The JDK's own key manager offers only a certificate from an authority the server asks for,
        // so a JDK client with the stranger's certificate comes without one, as anyone else.
        assertEquals(401, post(client(strangerCert, strangerKey), "/switchover?cluster=main").statusCode());
        assertEquals(List.of(), asked);
    }

    @Test
    void aTokenStillWorksWithoutACertificate() throws Exception {
        start(mtls("127.0.0.1").withToken(new Secret(TOKEN, "test")));
        HttpClient anonymous = client(null, null);

        HttpResponse<String> switchover = anonymous.send(request("/switchover?cluster=main")
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(409, switchover.statusCode(), switchover.body());
        assertEquals(List.of("main->null"), asked);
        assertEquals(401, post(anonymous, "/switchover?cluster=main").statusCode());
    }

    @Test
    void plainHttpToTheHttpsListenerIsToldWhereToGo() throws Exception {
        start(mtls("127.0.0.1"));
        HttpClient plain = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

        HttpResponse<String> response = plain.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin.port() + "/topology")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
        assertEquals("this admin listener speaks HTTPS: use https://127.0.0.1:" + admin.port() + "\n", response.body());
        assertEquals(200, get(client(null, null), "/health").statusCode(), "the listener keeps serving HTTPS");
    }

    @Test
    void withoutAClientCaCertificatesAreNoCredential() throws Exception {
        start(new AdminConfig("127.0.0.1", 0).withToken(new Secret(TOKEN, "test"))
                .withTls(new AdminTlsConfig(server.serverCert(), server.serverKey(), null)));

        assertEquals(401, get(client(opsCert, opsKey), "/topology").statusCode());
        assertEquals(200, get(client(null, null), "/health").statusCode());
    }

    @Test
    void aClientCaCountsAsAuthenticationOffLoopback() throws Exception {
        start(mtls("0.0.0.0"));
        assertEquals(200, get(client(opsCert, opsKey), "/topology").statusCode());

        IllegalArgumentException httpsAlone = assertThrows(IllegalArgumentException.class, () -> new AdminServer(group,
                new AdminConfig("0.0.0.0", 0).withTls(new AdminTlsConfig(server.serverCert(), server.serverKey(), null)),
                () -> topologies, new Metrics(), AdminControl.NONE));
        assertTrue(httpsAlone.getMessage().contains("needs admin.auth tokens or admin.tls.client-ca"),
                httpsAlone.getMessage());
    }

    @Test
    void badMaterialIsRefusedBeforeAnythingListensNamingTheFile() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty-ca.crt"), "nothing here\n");
        TlsMaterialException noCa = assertThrows(TlsMaterialException.class, () -> new AdminServer(group,
                mtls("127.0.0.1").withTls(new AdminTlsConfig(server.serverCert(), server.serverKey(), empty)),
                () -> topologies, new Metrics(), AdminControl.NONE));
        assertEquals(empty, noCa.file());
        assertTrue(noCa.getMessage().contains("no PEM certificate"), noCa.getMessage());

        TlsMaterialException wrongKey = assertThrows(TlsMaterialException.class, () -> new AdminServer(group,
                mtls("127.0.0.1").withTls(new AdminTlsConfig(server.serverCert(), opsKey, clientCa)),
                () -> topologies, new Metrics(), AdminControl.NONE));
        assertEquals(opsKey, wrongKey.file());
    }

    @Test
    void reloadingReadsTheFilesAgainForNewConnections() throws Exception {
        Path files = dir.resolve("renewed");
        TlsFiles before = CertificateAuthority.ensure(files, List.of("127.0.0.1"));
        Path oldCa = Files.copy(before.caCert(), dir.resolve("renewed-old-ca.crt"));
        start(new AdminConfig("127.0.0.1", 0).withTls(new AdminTlsConfig(before.serverCert(), before.serverKey(),
                clientCa)));
        assertEquals(200, get(httpsTrusting(oldCa), "/health").statusCode());

        TlsFiles after = CertificateAuthority.create(files, List.of("127.0.0.1"), Clock.systemUTC());
        assertEquals(200, get(httpsTrusting(oldCa), "/health").statusCode(), "served as read at start until reloaded");
        admin.reloadTls();

        assertEquals(200, get(httpsTrusting(after.caCert()), "/health").statusCode());
        assertThrows(IOException.class, () -> get(httpsTrusting(oldCa), "/health"), "the old certificate is gone");

        Files.writeString(after.serverKey(), "not a key\n");
        TlsMaterialException broken = assertThrows(TlsMaterialException.class, admin::reloadTls);
        assertEquals(after.serverKey(), broken.file());
        assertEquals(200, get(httpsTrusting(after.caCert()), "/health").statusCode(), "a failed reload changes nothing");
    }

    private static HttpClient httpsTrusting(Path ca) {
        return HttpClient.newBuilder().sslContext(TlsContexts.httpsClient(ca, null, null)).connectTimeout(TIMEOUT)
                .build();
    }

    private AdminConfig mtls(String host) {
        return new AdminConfig(host, 0).withTls(new AdminTlsConfig(server.serverCert(), server.serverKey(), clientCa));
    }

    private void start(AdminConfig config) throws IOException {
        admin = new AdminServer(group, config, () -> topologies, new Metrics(), recording(asked));
        admin.start();
    }

    /** An HTTPS client trusting the server's authority, presenting {@code cert} when given. */
    private static HttpClient client(Path cert, Path key) {
        SSLContext ssl = TlsContexts.httpsClient(server.caCert(), cert, key);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(TIMEOUT).build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + admin.port() + path)).timeout(TIMEOUT);
    }

    private HttpResponse<String> get(HttpClient client, String path) throws Exception {
        return client.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(HttpClient client, String path) throws Exception {
        return client.send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A client context that presents {@code cert} whatever authorities the server names, as curl or
     * openssl do, and trusts the server's authority.
     */
    private static SSLContext presentingAlways(Path cert, Path key) throws Exception {
        X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(cert)));
        String pem = Files.readString(key).replaceAll("-----[A-Z ]+-----|\\s", "");
        PrivateKey privateKey = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        X509ExtendedKeyManager insistent = new X509ExtendedKeyManager() {
            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return "client";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return "client";
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return new X509Certificate[] {leaf};
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return privateKey;
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"client"};
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return new String[0];
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }
        };
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(server.caCert()))));
        TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusted.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {insistent}, trusted.getTrustManagers(), null);
        return context;
    }

    /** A control that refuses every switchover at once and records what it was asked. */
    private static AdminControl recording(List<String> asked) {
        return new AdminControl() {
            @Override
            public InProgress inProgress(String cluster) {
                return null;
            }

            @Override
            public CompletableFuture<SwitchoverResult> switchover(String cluster, String target) {
                asked.add(cluster + "->" + target);
                return CompletableFuture.completedFuture(SwitchoverResult.refused(cluster,
                        SwitchoverResult.Outcome.CONFLICT, "recorded only"));
            }
        };
    }
}
