package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.mysql.protocol.Capabilities;
import io.auriga.mysql.protocol.ErrPacket;
import io.auriga.mysql.protocol.MySqlErrors;
import io.auriga.mysql.protocol.MySqlPacketScanner;
import io.auriga.mysql.protocol.ResponseTracker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that asks for a LOCAL INFILE file although the session has no CLIENT_LOCAL_FILES: the request
 * never reaches the client, the transfer is ended with an empty packet, the answer is replaced by an ERR.
 * Fed as {@link MySqlSession#fromBackend} feeds it: scanner, tracker, then the refusal.
 */
class LocalInfileRefusalTest {
    private static final ErrPacket ERROR = MySqlErrors.localInfileRefused("main");
    private static final byte[] OK = {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};

    private final ResponseTracker tracker = new ResponseTracker(Capabilities.CLIENT_PROTOCOL_41
            | Capabilities.CLIENT_DEPRECATE_EOF);
    private final MySqlPacketScanner scanner = new MySqlPacketScanner();
    private final List<ByteBuf> toBackend = new ArrayList<>();
    private final List<ByteBuf> toClient = new ArrayList<>();
    private final LocalInfileRefusal refusal = new LocalInfileRefusal(tracker, ERROR, UnpooledByteBufAllocator.DEFAULT,
            toBackend::add, toClient::add);

    @AfterEach
    void release() {
        toBackend.forEach(ByteBuf::release);
        toClient.forEach(ByteBuf::release);
    }

    @Test
    void theRequestIsCutOutTheTransferEndedAndTheAnswerReplacedByAnErr() {
        command(0x03, "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t");
        assertEquals(0, relay(packet(1, request("/etc/passwd"))).length, "the client never sees the request");
        assertEquals(1, toBackend.size());
        assertArrayEquals(new byte[] {0, 0, 0, 2}, ByteBufUtil.getBytes(toBackend.get(0)), "an empty packet, seq 2");
        assertTrue(toClient.isEmpty());
        assertFalse(tracker.quiet());

        assertEquals(0, relay(packet(3, OK)).length, "the server's answer to the empty transfer is cut out");
        assertEquals(1, toClient.size());
        ByteBuf expected = MySqlErrors.frame(UnpooledByteBufAllocator.DEFAULT, 1, ERROR);
        try {
            assertArrayEquals(ByteBufUtil.getBytes(expected), ByteBufUtil.getBytes(toClient.get(0)),
                    "the ERR answers the client's command at seq 1");
        } finally {
            expected.release();
        }
        assertTrue(tracker.quiet(), "the command is over: the session is between commands again");
    }

    @Test
    void aLongRequestIsCutOutWholeWhenItsTailComesInTheNextRead() {
        command(0x03, "LOAD DATA LOCAL INFILE 'x' INTO TABLE t");
        byte[] whole = packet(1, request("/" + "d".repeat(99)));
        assertEquals(0, relay(java.util.Arrays.copyOfRange(whole, 0, 74)).length);
        byte[] next = concat(java.util.Arrays.copyOfRange(whole, 74, whole.length));
        assertEquals(0, relay(next).length, "the rest of the file name is cut out too");
        assertEquals(0, relay(packet(3, OK)).length);
        assertEquals(1, toClient.size());
        assertTrue(tracker.quiet());
    }

    @Test
    void whatFollowsTheAnswerIsRelayedAfterTheErr() {
        command(0x03, "LOAD DATA LOCAL INFILE 'x' INTO TABLE t");
        command(0x0E, ""); // COM_PING, pipelined
        relay(packet(1, request("x")));
        byte[] pingOk = packet(1, OK);
        assertArrayEquals(pingOk, relay(concat(packet(3, OK), pingOk)), "the ping's OK goes on, after the ERR");
        assertEquals(1, toClient.size());
        assertTrue(tracker.quiet());
    }

    @Test
    void aRequestWhoseBeginningCameInAnEarlierReadEndsTheSession() {
        command(0x03, "LOAD DATA LOCAL INFILE 'x' INTO TABLE t");
        byte[] whole = packet(1, request("/etc/passwd"));
        assertEquals(6, relay(java.util.Arrays.copyOfRange(whole, 0, 6)).length, "unknown yet: relayed");
        ByteBuf rest = Unpooled.wrappedBuffer(java.util.Arrays.copyOfRange(whole, 6, whole.length));
        scan(rest);
        assertFalse(refusal.trim(rest), "the session must end");
        assertEquals(0, rest.readableBytes(), "not another byte of the request");
        assertTrue(toClient.isEmpty(), "no ERR either: it would complete the request for the client");
        assertEquals(1, toBackend.size(), "the backend still gets its empty packet, ending the transfer");
    }

    @Test
    void aRowStartingWith0xFbIsNotARequest() {
        command(0x03, "SELECT NULL");
        byte[] response = concat(packet(1, new byte[] {1}), packet(2, "column".getBytes(StandardCharsets.US_ASCII)),
                packet(3, new byte[] {(byte) 0xFB}), packet(4, new byte[] {(byte) 0xFE, 0, 0, 2, 0, 0, 0}));
        assertArrayEquals(response, relay(response));
        assertTrue(toBackend.isEmpty());
        assertTrue(toClient.isEmpty());
        assertTrue(tracker.quiet());
    }

    private void command(int command, String text) {
        ByteBuf payload = Unpooled.buffer();
        payload.writeByte(command).writeCharSequence(text, StandardCharsets.US_ASCII);
        tracker.clientMessage(0, payload.readableBytes(), payload);
    }

    /** The bytes of {@code bytes} that are relayed to the client. */
    private byte[] relay(byte[] bytes) {
        ByteBuf chunk = Unpooled.wrappedBuffer(bytes);
        scan(chunk);
        assertTrue(refusal.trim(chunk));
        return ByteBufUtil.getBytes(chunk);
    }

    private void scan(ByteBuf chunk) {
        scanner.scan(chunk, (sequenceId, length, head, start) -> {
            tracker.serverMessage(length, head);
            refusal.message(sequenceId, length, start);
        });
    }

    private static byte[] request(String file) {
        return concat(new byte[] {(byte) 0xFB}, file.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] packet(int sequenceId, byte[] payload) {
        return concat(new byte[] {(byte) payload.length, (byte) (payload.length >> 8), (byte) (payload.length >> 16),
                (byte) sequenceId}, payload);
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuf out = Unpooled.buffer();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return ByteBufUtil.getBytes(out);
    }
}
