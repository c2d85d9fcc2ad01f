package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnansweredRequestsTest {

    @Test
    void keepsWhatWasSentSinceTheBackendStoodIdleInOrder() {
        UnansweredRequests kept = new UnansweredRequests();
        ByteBuf before = chunk("before");
        kept.sent(before);
        kept.arm(2);
        ByteBuf first = chunk("first");
        ByteBuf second = chunk("second");
        kept.sent(first);
        kept.sent(second);
        assertTrue(kept.resendable(2));
        List<ByteBuf> taken = kept.take();
        assertEquals(List.of("first", "second"), taken.stream().map(b -> b.toString(StandardCharsets.UTF_8)).toList());
        assertEquals(1, before.refCnt(), "nothing is kept while not armed");
        assertEquals(2, first.refCnt(), "the taken copy holds its own reference");
        taken.forEach(ByteBuf::release);
        assertFalse(kept.resendable(2), "taking disarms");
        release(before, first, second);
    }

    @Test
    void anAnswerReleasesWhatWasKept() {
        UnansweredRequests kept = new UnansweredRequests();
        kept.arm(0);
        ByteBuf sent = chunk("SELECT 1");
        kept.sent(sent);
        kept.disarm();
        assertEquals(1, sent.refCnt());
        assertFalse(kept.resendable(0));
        release(sent);
    }

    @Test
    void aStatementPreparedByNameMeanwhileIsNotSentAgain() {
        UnansweredRequests kept = new UnansweredRequests();
        kept.arm(4);
        ByteBuf sent = chunk("Parse S_1");
        kept.sent(sent);
        assertFalse(kept.resendable(5), "the moved session re-prepares S_1 itself; a second Parse would fail");
        kept.disarm();
        release(sent);
    }

    @Test
    void aRequestOverTheLimitIsNotKept() {
        UnansweredRequests kept = new UnansweredRequests();
        kept.arm(0);
        ByteBuf big = Unpooled.buffer(UnansweredRequests.LIMIT + 1).writeZero(UnansweredRequests.LIMIT + 1);
        kept.sent(big);
        assertEquals(1, big.refCnt());
        assertFalse(kept.resendable(0));
        release(big);
    }

    private static ByteBuf chunk(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    private static void release(ByteBuf... bufs) {
        for (ByteBuf b : bufs) {
            b.release();
        }
    }
}
