package io.auriga.mysql.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated input to what faces clients and servers before authentication: the packet
 * decoder and the handshake parsers may refuse, but never throw anything but a decoder error,
 * never read out of bounds and never hand on a message past their limit.
 */
class DecoderFuzzTest {
    private static final int LIMIT = 10_000;

    @Test
    void packetDecoderRefusesOversizedMessagesWithoutBufferingThem() {
        Random random = new Random(20261126L);
        for (int round = 0; round < 5_000; round++) {
            ByteBuf input = randomBytes(random);
            EmbeddedChannel ch = new EmbeddedChannel(new MySqlPacketDecoder(LIMIT));
            try {
                while (input.isReadable()) {
                    ch.writeInbound(input.readRetainedSlice(1 + random.nextInt(Math.min(64, input.readableBytes()))));
                }
            } catch (DecoderException expected) {
                // an oversized message is refused; the connection would be closed
            } finally {
                input.release();
            }
            Object out;
            while ((out = ch.readInbound()) != null) {
                assertTrue(out instanceof MySqlPacket p && p.payload().readableBytes() <= LIMIT, "unexpected " + out);
                ReferenceCountUtil.release(out);
            }
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void handshakeParsersSurviveMutatedRealPackets() {
        Random random = new Random(7L);
        fuzz(random, CapturedPackets.MARIADB_GREETING, HandshakeV10::decode);
        fuzz(random, CapturedPackets.MARIADB_CLIENT_RESPONSE, HandshakeResponse41::decode);
        fuzz(random, "0700000200000002000000", p -> OkPacket.decode(p, Capabilities.CLIENT_PROTOCOL_41
                | Capabilities.CLIENT_SESSION_TRACK | Capabilities.CLIENT_DEPRECATE_EOF));
        fuzz(random, "09000002ff1504233238303030", ErrPacket::decode);
        fuzz(random, "0c000002fe6d7973716c00010203", AuthSwitchRequest::decode);
    }

    private static void fuzz(Random random, String packetHex, Consumer<ByteBuf> parser) {
        for (int round = 0; round < 3_000; round++) {
            ByteBuf payload = CapturedPackets.payload(packetHex);
            ByteBuf copy = Unpooled.copiedBuffer(payload);
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips && copy.isReadable(); i++) {
                copy.setByte(random.nextInt(copy.writerIndex()), random.nextInt(256));
            }
            if (random.nextInt(3) == 0 && copy.writerIndex() > 0) {
                copy.writerIndex(random.nextInt(copy.writerIndex()));
            }
            try {
                parser.accept(copy);
            } catch (CorruptedFrameException expected) {
                // refused: fine
            } finally {
                copy.release();
            }
        }
    }

    private static ByteBuf randomBytes(Random random) {
        byte[] bytes = new byte[1 + random.nextInt(300)];
        random.nextBytes(bytes);
        if (random.nextBoolean() && bytes.length >= 4) {
            // A plausible length reaches deeper than pure noise.
            int len = random.nextInt(64) + (random.nextBoolean() ? 0 : LIMIT - 32);
            bytes[0] = (byte) len;
            bytes[1] = (byte) (len >>> 8);
            bytes[2] = (byte) (len >>> 16);
        }
        return Unpooled.wrappedBuffer(bytes);
    }
}
