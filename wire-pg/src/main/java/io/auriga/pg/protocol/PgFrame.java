package io.auriga.pg.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import io.netty.util.AbstractReferenceCounted;

/**
 * One tagged message ({@code byte tag, int32 length, body}) decoded while the proxy itself
 * takes part in the conversation (authentication, backend login). The body is a retained slice
 * the receiver must release.
 */
public final class PgFrame extends AbstractReferenceCounted {
    private final byte tag;
    private final ByteBuf body;

    public PgFrame(byte tag, ByteBuf body) {
        this.tag = tag;
        this.body = body;
    }

    public byte tag() {
        return tag;
    }

    public ByteBuf body() {
        return body;
    }

    @Override
    protected void deallocate() {
        body.release();
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        body.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "PgFrame[" + (char) tag + ", " + body.readableBytes() + " bytes]";
    }
}
