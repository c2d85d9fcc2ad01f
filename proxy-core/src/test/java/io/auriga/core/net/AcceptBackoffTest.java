package io.auriga.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.core.testing.CapturedLog;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The listener's handler, on an embedded channel and a manual clock for its log. */
class AcceptBackoffTest {
    private static final IOException EMFILE = new IOException("accept(..) failed: Too many open files");

    private final AtomicLong nanos = new AtomicLong();
    private final List<Throwable> passedOn = new ArrayList<>();
    private final EmbeddedChannel listener = new EmbeddedChannel(
            new AcceptBackoff("main/writer", new RateLimitedLog(Duration.ofSeconds(10), nanos::get)),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    passedOn.add(cause);
                }
            });

    @Test
    void outOfDescriptorsPausesAcceptingAndResumes() {
        listener.freezeTime();
        listener.pipeline().fireExceptionCaught(EMFILE);

        assertFalse(listener.config().isAutoRead(), "accepting paused");
        assertEquals(List.of(), passedOn, "no stack trace further down");
        listener.advanceTimeBy(AcceptBackoff.PAUSE.toMillis() - 1, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertFalse(listener.config().isAutoRead());
        listener.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertTrue(listener.config().isAutoRead(), "accepting again");
    }

    @Test
    void oneLogLinePerIntervalSaysHowManyWereLeftOut() {
        try (CapturedLog log = new CapturedLog(AcceptBackoff.class)) {
            for (int i = 0; i < 1000; i++) {
                listener.pipeline().fireExceptionCaught(EMFILE);
            }
            assertEquals(1, log.messages().size(), String.join("\n", log.messages()));
            assertTrue(log.messages().get(0).startsWith("main/writer: cannot accept connections: accept(..) failed: "
                    + "Too many open files; pausing accept for 500 ms"), log.messages().get(0));

            nanos.addAndGet(Duration.ofSeconds(10).toNanos());
            listener.pipeline().fireExceptionCaught(EMFILE);
            assertEquals(2, log.messages().size());
            assertTrue(log.messages().get(1).endsWith("(999 more since the last such line)"), log.messages().get(1));
        }
    }

    @Test
    void otherFailuresGoOnDownThePipeline() {
        IOException other = new IOException("Connection reset by peer");
        listener.pipeline().fireExceptionCaught(other);

        assertEquals(1, passedOn.size());
        assertSame(other, passedOn.get(0));
        assertTrue(listener.config().isAutoRead());
    }
}
