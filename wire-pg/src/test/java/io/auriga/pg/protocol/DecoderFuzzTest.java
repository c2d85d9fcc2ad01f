package io.auriga.pg.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated input to the decoders that face clients before authentication: they may
 * refuse, but never throw anything but a decoder error and never buffer past their limit.
 */
class DecoderFuzzTest {
    private static final int LIMIT = 10_000;

    @Test
    void startupDecoderSurvivesRandomAndMutatedPackets() {
        Random random = new Random(20261126L);
        ByteBuf valid = PgMessages.startupMessage(PooledByteBufAllocator.DEFAULT,
                Map.of("user", "auriga", "database", "auriga", "application_name", "fuzz"));
        for (int round = 0; round < 5_000; round++) {
            ByteBuf input = round % 2 == 0 ? randomBytes(random) : mutate(valid, random);
            EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder(LIMIT));
            feedInPieces(ch, input, random);
            Object out;
            while ((out = ch.readInbound()) != null) {
                assertTrue(out instanceof StartupPacket, "unexpected " + out);
            }
            ch.finishAndReleaseAll();
        }
        valid.release();
    }

    @Test
    void frameDecoderRefusesOversizedFramesWithoutBufferingThem() {
        Random random = new Random(7L);
        for (int round = 0; round < 5_000; round++) {
            ByteBuf input = randomBytes(random);
            EmbeddedChannel ch = new EmbeddedChannel(new PgFrameDecoder(LIMIT));
            try {
                feedInPieces(ch, input, random);
            } catch (DecoderException expected) {
                // Corrupt or too-long frames are refused with a decoder error, which the handler turns into a FATAL.
            }
            Object out;
            while ((out = ch.readInbound()) != null) {
                assertTrue(out instanceof PgFrame && ((PgFrame) out).body().readableBytes() <= LIMIT);
                ReferenceCountUtil.release(out);
            }
            ch.finishAndReleaseAll();
        }
    }

    private static void feedInPieces(EmbeddedChannel ch, ByteBuf input, Random random) {
        while (input.isReadable()) {
            int n = 1 + random.nextInt(Math.min(64, input.readableBytes()));
            ch.writeInbound(input.readRetainedSlice(n));
        }
        input.release();
    }

    private static ByteBuf randomBytes(Random random) {
        byte[] bytes = new byte[1 + random.nextInt(300)];
        random.nextBytes(bytes);
        if (random.nextBoolean() && bytes.length >= 4) {
            // A plausible length prefix reaches deeper than pure noise.
            int len = random.nextInt(64) + (random.nextBoolean() ? 0 : LIMIT - 32);
            bytes[0] = (byte) (len >>> 24);
            bytes[1] = (byte) (len >>> 16);
            bytes[2] = (byte) (len >>> 8);
            bytes[3] = (byte) len;
        }
        return Unpooled.wrappedBuffer(bytes);
    }

    private static ByteBuf mutate(ByteBuf valid, Random random) {
        ByteBuf copy = Unpooled.copiedBuffer(valid.duplicate());
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = random.nextInt(copy.readableBytes());
            copy.setByte(at, random.nextInt(256));
        }
        if (random.nextInt(4) == 0) {
            copy.writerIndex(random.nextInt(copy.writerIndex()));
        }
        return copy;
    }
}
