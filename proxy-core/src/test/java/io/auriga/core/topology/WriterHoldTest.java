package io.auriga.core.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WriterHoldTest {
    private final WriterGate gate = new WriterGate(java.time.Clock.systemUTC());
    private final EmbeddedChannel client = new EmbeddedChannel();
    private final AtomicInteger overdue = new AtomicInteger();

    private WriterHold hold(int maxBytes, Duration limit) {
        return new WriterHold(gate, "s1", client, maxBytes, limit, overdue::incrementAndGet);
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void keepsBytesOnlyWhileHeldAndBetweenTransactionsThenInOrder() {
        WriterHold hold = hold(1024, Duration.ofMinutes(1));
        ByteBuf open = bytes("a");
        assertFalse(hold.park(open, true), "an open gate keeps nothing");
        open.release();
        gate.hold();
        gate.expect("s1");
        ByteBuf inTransaction = bytes("b");
        assertFalse(hold.park(inTransaction, false), "a session inside a transaction runs on");
        inTransaction.release();
        assertTrue(hold.park(bytes("c"), true));
        assertTrue(hold.park(bytes("d"), false), "once something is kept, the rest follows it in order");
        List<ByteBuf> kept = hold.takeParked();
        assertEquals(List.of("c", "d"), kept.stream().map(b -> b.toString(StandardCharsets.US_ASCII)).toList());
        kept.forEach(ByteBuf::release);
        assertFalse(hold.hasParked());
    }

    @Test
    void paysTheBoundaryOnceBetweenTransactions() {
        WriterHold hold = hold(1024, Duration.ofMinutes(1));
        gate.hold();
        gate.expect("s1");
        hold.requested(false);
        assertEquals(1, gate.pending());
        hold.relayed(false);
        assertEquals(1, gate.pending(), "still inside the transaction");
        hold.relayed(true);
        assertEquals(0, gate.pending());
        assertFalse(hold.awaitingBoundary());
    }

    @Test
    void stopsReadingPastTheByteBoundAndReleasesOnClose() {
        WriterHold hold = hold(4, Duration.ofMinutes(1));
        gate.hold();
        gate.expect("s1");
        ByteBuf big = bytes("12345");
        assertTrue(hold.park(big, true));
        assertFalse(client.config().isAutoRead(), "the client is not read past the bound");
        hold.close();
        assertEquals(0, big.refCnt(), "kept bytes are released with the session");
        assertEquals(0, gate.pending());
    }

    @Test
    void sendsOnWhatItKeptWhenTheGateStaysHeldPastTheLimit() {
        client.freezeTime(); // the channel's event loop moves only when told to
        WriterHold hold = hold(1024, Duration.ofMillis(20));
        gate.hold();
        assertTrue(hold.park(bytes("x"), true));
        client.advanceTimeBy(19, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertEquals(0, overdue.get(), "kept within the limit");
        client.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertEquals(1, overdue.get(), "the session was told to send on what it kept");
        hold.takeParked().forEach(ByteBuf::release);
        ByteBuf next = bytes("y");
        assertFalse(hold.park(next, true), "past the limit nothing more is kept until the gate opens");
        next.release();
        gate.release();
        hold.gateReleased();
        gate.hold();
        ByteBuf again = bytes("z");
        assertTrue(hold.park(again, true), "the next switchover keeps bytes again");
        hold.close();
    }

    @Test
    void theLimitCoversEveryStepOfASwitchover() {
        var failover = io.auriga.config.FailoverConfig.defaults();
        Duration limit = WriterHold.limit(failover);
        assertTrue(limit.compareTo(failover.switchoverDrain().plus(failover.failoverTimeout().multipliedBy(4))) > 0,
                limit.toString());
        var slowProbes = new io.auriga.config.FailoverConfig(true, Duration.ofSeconds(1), 3, Duration.ofSeconds(10),
                Duration.ofSeconds(10));
        // drain 5 s, 3 steps of 10 s, 3 short steps of 30 s
        assertTrue(WriterHold.limit(slowProbes).compareTo(Duration.ofSeconds(5 + 30 + 90)) > 0,
                WriterHold.limit(slowProbes).toString());
    }
}
