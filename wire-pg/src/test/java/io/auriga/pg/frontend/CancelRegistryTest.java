package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.net.EventLoops;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CancelRegistryTest {
    private final EventLoops loops = EventLoops.create(1);
    private final CancelRegistry registry = new CancelRegistry(new SecureRandom(), loops, Duration.ofSeconds(1));

    @AfterEach
    void close() {
        loops.close();
    }

    @Test
    void aKeyCarriesTheBackendsProcessIdAndASecretOfItsOwn() {
        CancelRegistry.Target backend = target("pg1", 4242, 77);
        CancelRegistry.Key key = registry.issue(backend);
        assertEquals(4242, key.processId());
        assertNotEquals(77, key.secretKey(), "the backend's own secret is never handed out");
    }

    @Test
    void twoInstancesHandingOutOneProcessIdGetDistinctKeys() {
        CancelRegistry.Key first = registry.issue(target("pg1", 4242, 1));
        CancelRegistry.Key second = registry.issue(target("pg2", 4242, 2));
        assertEquals(first.processId(), second.processId());
        assertNotEquals(first.secretKey(), second.secretKey());
    }

    @Test
    void theBackendsOwnKeyCancelsNothing() {
        registry.issue(target("pg1", 4242, 77));
        EmbeddedChannel channel = new EmbeddedChannel();
        // Ignored as an unknown key, and answered at once: nothing is connected to.
        assertTrue(registry.cancel(channel.eventLoop(), 4242, 77).isSuccess());
        channel.finishAndReleaseAll();
    }

    private static CancelRegistry.Target target(String host, int processId, int secretKey) {
        return new CancelRegistry.Target(InetSocketAddress.createUnresolved(host, 5432), processId, secretKey);
    }
}
