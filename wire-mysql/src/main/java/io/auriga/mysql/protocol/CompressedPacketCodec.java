package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The compressed protocol (CLIENT_COMPRESS) on the client's side of a session: unwraps what the
 * client sends into the plain packet stream the relay reads, and wraps what goes to the client.
 *
 * <pre>
 *   compressed packet = int&lt;3&gt; compressed_length, int&lt;1&gt; compressed_sequence_id,
 *                       int&lt;3&gt; uncompressed_length (0: the payload is stored as it is),
 *                       zlib(plain packets, or any part of their byte stream)
 * </pre>
 *
 * The plain packets inside keep their own headers and sequence ids, so the relay and the
 * (uncompressed) backend see exactly what they would without compression. The compressed sequence
 * id is the client's to count: it restarts at 0 with each command, and the answers continue from
 * the last one the client sent, as a server's do. A plain stream may be cut anywhere between
 * compressed packets; clients join the pieces. Installed once the final OK of the login has gone
 * out uncompressed (libmariadb and Connector/J switch only after reading it), and every compressed
 * packet must inflate to exactly the length its header names, at most {@value #MAX_UNCOMPRESSED}
 * bytes: a packet that would inflate further is refused as it does, never buffered whole.
 */
public final class CompressedPacketCodec extends ByteToMessageCodec<ByteBuf> {
    /** The largest uncompressed length the 3-byte field can name. */
    public static final int MAX_UNCOMPRESSED = 0xFFFFFF;
    /** Below this many bytes a packet goes stored: zlib would not make it smaller. */
    static final int MIN_COMPRESS = 50;
    private static final int HEADER = 7;
    private static final int INFLATE_STEP = 64 * 1024;

    private enum State { HEADER, FAILED }

    private final Deflater deflater = new Deflater();
    private final Inflater inflater = new Inflater();
    private State state = State.HEADER;
    private int nextSequence;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        while (state == State.HEADER && in.readableBytes() >= HEADER) {
            int start = in.readerIndex();
            int compressedLength = in.getUnsignedMediumLE(start);
            int sequenceId = in.getUnsignedByte(start + 3);
            int uncompressedLength = in.getUnsignedMediumLE(start + 4);
            if (in.readableBytes() < HEADER + compressedLength) {
                return;
            }
            in.skipBytes(HEADER);
            nextSequence = (sequenceId + 1) & 0xFF;
            if (uncompressedLength == 0) {
                out.add(in.readRetainedSlice(compressedLength));
            } else {
                out.add(inflate(ctx, in, compressedLength, uncompressedLength));
            }
        }
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
        }
    }

    private ByteBuf inflate(ChannelHandlerContext ctx, ByteBuf in, int compressedLength, int uncompressedLength)
            throws Exception {
        byte[] input = new byte[compressedLength];
        in.readBytes(input);
        inflater.reset();
        inflater.setInput(input);
        ByteBuf plain = ctx.alloc().heapBuffer(Math.min(uncompressedLength, INFLATE_STEP), uncompressedLength);
        try {
            while (!inflater.finished()) {
                if (plain.writerIndex() == uncompressedLength) {
                    throw fail(new BadCompressedPacket("compressed packet inflates past the "
                            + uncompressedLength + " bytes its header names"));
                }
                plain.ensureWritable(Math.min(INFLATE_STEP, plain.maxWritableBytes()));
                int n = inflater.inflate(plain.array(), plain.arrayOffset() + plain.writerIndex(), plain.writableBytes());
                plain.writerIndex(plain.writerIndex() + n);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw fail(new BadCompressedPacket("compressed packet ends after " + plain.readableBytes()
                            + " of the " + uncompressedLength + " bytes its header names"));
                }
            }
            if (plain.readableBytes() != uncompressedLength || inflater.getRemaining() > 0) {
                throw fail(new BadCompressedPacket("compressed packet inflates to " + plain.readableBytes()
                        + " bytes, its header names " + uncompressedLength));
            }
            return plain;
        } catch (DataFormatException e) {
            plain.release();
            throw fail(new BadCompressedPacket("compressed packet is not zlib data: " + e.getMessage()));
        } catch (Exception e) {
            plain.release();
            throw e;
        }
    }

    /** A compressed packet that does not inflate as its header says: the client's error, answered with ERR 1157. */
    public static final class BadCompressedPacket extends CorruptedFrameException {
        private static final long serialVersionUID = 1L;

        BadCompressedPacket(String message) {
            super(message);
        }
    }

    private Exception fail(Exception e) {
        state = State.FAILED;
        return e;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) {
        while (msg.isReadable()) {
            int length = Math.min(msg.readableBytes(), MAX_UNCOMPRESSED);
            int headerAt = out.writerIndex();
            out.writeMediumLE(0).writeByte(nextSequence);
            nextSequence = (nextSequence + 1) & 0xFF;
            int compressed = length < MIN_COMPRESS ? -1 : deflate(msg, length, out);
            if (compressed < 0) {
                out.writerIndex(headerAt + 4);
                out.writeMediumLE(0);
                out.writeBytes(msg, length);
                out.setMediumLE(headerAt, length);
            } else {
                msg.skipBytes(length);
                out.setMediumLE(headerAt, compressed);
            }
        }
    }

    /**
     * Writes the uncompressed length and zlib of the next {@code length} bytes of {@code msg} to
     * {@code out}; returns the compressed length, or -1 (nothing kept) when zlib would not be smaller.
     */
    private int deflate(ByteBuf msg, int length, ByteBuf out) {
        byte[] input = new byte[length];
        msg.getBytes(msg.readerIndex(), input);
        deflater.reset();
        deflater.setInput(input);
        deflater.finish();
        byte[] output = new byte[length];
        int n = 0;
        while (!deflater.finished() && n < output.length) {
            n += deflater.deflate(output, n, output.length - n);
        }
        if (!deflater.finished()) {
            return -1;
        }
        out.writeMediumLE(length);
        out.writeBytes(output, 0, n);
        return n;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        try {
            super.handlerRemoved(ctx);
        } finally {
            deflater.end();
            inflater.end();
        }
    }
}
