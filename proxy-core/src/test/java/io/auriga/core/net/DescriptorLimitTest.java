package io.auriga.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DescriptorLimitTest {

    @Test
    void warnsOnlyWhenTheClientConnectionsAloneDoNotFit() {
        assertEquals(Optional.empty(), DescriptorLimit.shortfall(20_000, 10_000));
        assertEquals(20_200, DescriptorLimit.needed(10_000));
        String shortfall = DescriptorLimit.shortfall(1024, 10_000).orElseThrow();
        assertTrue(shortfall.startsWith("the descriptor limit 1024 is below server.max-connections 10000"), shortfall);
    }

    @Test
    void theLimitInForceIsKnownOnThisPlatform() {
        assertTrue(DescriptorLimit.current().orElseThrow() > 0);
    }
}
