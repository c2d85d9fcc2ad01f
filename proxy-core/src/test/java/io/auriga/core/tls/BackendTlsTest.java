package io.auriga.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.BackendTlsConfig;
import io.auriga.config.BackendTlsConfig.Mode;
import io.auriga.config.InstanceConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS of the proxy's connections to the instances, from the cluster's {@code tls} block. */
class BackendTlsTest {
    private static final InstanceConfig PG1 = new InstanceConfig("pg1", "db1.example", 5432, 0, false);

    @TempDir
    Path dir;

    @Test
    void disableAsksForNothing() {
        BackendTls tls = BackendTls.of(BackendTlsConfig.DISABLED);
        assertSame(BackendTls.DISABLED, tls);
        assertFalse(tls.attempted());
        assertThrows(IllegalStateException.class, () -> tls.newHandler(ByteBufAllocator.DEFAULT, PG1));
    }

    @Test
    void verifyFullChecksTheInstancesHostAndRequireDoesNot() throws Exception {
        Path ca = CertificateAuthority.ensure(dir.resolve("ca"), List.of("localhost")).caCert();
        SslHandler full = BackendTls.of(new BackendTlsConfig(Mode.VERIFY_FULL, ca))
                .newHandler(ByteBufAllocator.DEFAULT, PG1);
        assertEquals("HTTPS", full.engine().getSSLParameters().getEndpointIdentificationAlgorithm());
        assertEquals("db1.example", full.engine().getPeerHost());
        SslHandler require = BackendTls.of(new BackendTlsConfig(Mode.REQUIRE, null))
                .newHandler(ByteBufAllocator.DEFAULT, PG1);
        assertEquals(null, require.engine().getSSLParameters().getEndpointIdentificationAlgorithm());
        assertTrue(BackendTls.of(new BackendTlsConfig(Mode.PREFER, null)).attempted());
        assertFalse(BackendTls.of(new BackendTlsConfig(Mode.PREFER, null)).required());
    }

    @Test
    void anAuthorityFileThatHoldsNoCertificateIsRefusedNamingIt() throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.crt"), "not a certificate\n");
        TlsMaterialException e = assertThrows(TlsMaterialException.class,
                () -> BackendTls.of(new BackendTlsConfig(Mode.VERIFY_FULL, notPem)));
        assertEquals(notPem, e.file());
    }
}
