package io.auriga.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.TlsConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real handshakes against a Netty server using the generated material, verified the way
 * {@code sslmode=verify-full} clients do: trust only {@code ca.crt} and check the host name or
 * address against the subjectAltName.
 */
class TlsContextsTest {
    private static EventLoopGroup group;

    @TempDir
    static Path dir;
    private static TlsFiles files;

    @BeforeAll
    static void setUp() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        files = CertificateAuthority.ensure(dir, List.of("localhost", "127.0.0.1"));
    }

    @AfterAll
    static void tearDown() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void verifiesAgainstTheCaByHostNameAndByAddress() throws Exception {
        SslContext context = TlsContexts.server(files.toConfig(TlsConfig.TlsMode.REQUIRED), List.of());
        Channel server = startServer(context);
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            assertEquals("ok", handshake(port, "localhost", null).reply());
            assertEquals("ok", handshake(port, "127.0.0.1", null).reply());
            assertThrows(SSLHandshakeException.class, () -> handshake(port, "db.example.com", null));
        } finally {
            server.close().syncUninterruptibly();
        }
    }

    @Test
    void negotiatesAlpnWhenOfferedAndToleratesClientsWithout() throws Exception {
        SslContext context = TlsContexts.server(files.serverCert(), files.serverKey(), List.of(TlsContexts.ALPN_POSTGRESQL));
        Channel server = startServer(context);
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            Result withAlpn = handshake(port, "localhost", new String[] {"postgresql"});
            assertEquals("postgresql", withAlpn.protocol());
            assertEquals("ok postgresql", withAlpn.reply());
            Result without = handshake(port, "localhost", null);
            assertEquals("", without.protocol());
            assertEquals("ok", without.reply());
        } finally {
            server.close().syncUninterruptibly();
        }
    }

    @Test
    void namesAMissingFile() {
        Path missing = dir.resolve("nope.crt");
        var e = assertThrows(TlsMaterialException.class,
                () -> TlsContexts.server(missing, files.serverKey(), List.of()));
        assertEquals(missing, e.file());
        assertTrue(e.getMessage().startsWith(missing + ": no such file"), e.getMessage());
    }

    @Test
    void namesAFileThatIsNotPem() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.key"), "hello\n");
        var e = assertThrows(TlsMaterialException.class,
                () -> TlsContexts.server(files.serverCert(), garbage, List.of()));
        assertEquals(garbage, e.file());
        assertTrue(e.getMessage().contains("no PEM private key"), e.getMessage());

        var cert = assertThrows(TlsMaterialException.class,
                () -> TlsContexts.server(files.serverKey(), files.serverKey(), List.of()));
        assertTrue(cert.getMessage().startsWith(files.serverKey() + ": no PEM certificate"), cert.getMessage());
    }

    @Test
    void refusesAKeyOfAnotherCertificate() {
        var e = assertThrows(TlsMaterialException.class,
                () -> TlsContexts.server(files.serverCert(), files.caKey(), List.of()));
        assertEquals(files.caKey(), e.file());
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void refusesADisabledConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> TlsContexts.server(TlsConfig.disabled(), List.of()));
    }

    private record Result(String protocol, String reply) {
    }

    /** Replies "ok" (plus the ALPN protocol, if any) once the handshake completes. */
    private static Channel startServer(SslContext context) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(context.newHandler(ch.alloc()), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                                if (event instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
                                    String protocol = ctx.pipeline().get(SslHandler.class).applicationProtocol();
                                    String reply = protocol == null ? "ok\n" : "ok " + protocol + "\n";
                                    ctx.writeAndFlush(Unpooled.copiedBuffer(reply, StandardCharsets.US_ASCII));
                                } else if (event instanceof SslHandshakeCompletionEvent) {
                                    ctx.close();
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // the refused handshakes are expected here
                            }
                        });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    /** Connects to 127.0.0.1 but verifies the certificate as if {@code host} had been dialled. */
    private static Result handshake(int port, String host, String[] alpn) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        X509Certificate ca = PemFiles.readCertificates(files.caCert()).get(0);
        trust.setCertificateEntry("auriga-ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);

        try (Socket plain = new Socket("127.0.0.1", port);
             SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket(plain, host, port, true)) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (alpn != null) {
                parameters.setApplicationProtocols(alpn);
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            InputStream in = socket.getInputStream();
            StringBuilder reply = new StringBuilder();
            for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                reply.append((char) b);
            }
            return new Result(socket.getApplicationProtocol(), reply.toString());
        }
    }
}
