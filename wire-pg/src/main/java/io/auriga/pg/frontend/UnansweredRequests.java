package io.auriga.pg.frontend;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies of what a client sent to its backend since the backend last stood idle, kept until the
 * backend answers anything. If the backend's first answer is its farewell at a postmaster's death
 * (raised before it reads its client's next message), these requests were never run and go to the
 * new primary with the moved session instead of failing. Bounded: a request larger than
 * {@value #LIMIT} bytes is not kept, and the session then fails as before.
 */
final class UnansweredRequests {
    static final int LIMIT = 64 * 1024;

    private final List<ByteBuf> chunks = new ArrayList<>();
    private int bytes;
    private boolean armed;
    private long parsesAtArm;

    /** The backend stands idle: keep what the client sends from now on, until the backend answers. */
    void arm(long namedParses) {
        release();
        armed = true;
        parsesAtArm = namedParses;
    }

    /** The backend answered or the session moved: what was kept is no longer needed. */
    void disarm() {
        release();
        armed = false;
    }

    /** Keeps a copy of a chunk the client sends to the backend, while armed and within the bound. */
    void sent(ByteBuf chunk) {
        if (!armed) {
            return;
        }
        if (bytes + chunk.readableBytes() > LIMIT) {
            disarm();
            return;
        }
        chunks.add(chunk.retainedDuplicate());
        bytes += chunk.readableBytes();
    }

    /**
     * Whether there are requests to send again, and sending them again is safe: nothing was
     * prepared under a name meanwhile (the moved session re-prepares its named statements before
     * these arrive, and a second Parse of the same name would fail).
     */
    boolean resendable(long namedParses) {
        return armed && !chunks.isEmpty() && namedParses == parsesAtArm;
    }

    /** Hands the kept chunks over (in the order they were sent) and disarms. */
    List<ByteBuf> take() {
        List<ByteBuf> taken = List.copyOf(chunks);
        chunks.clear();
        bytes = 0;
        armed = false;
        return taken;
    }

    private void release() {
        chunks.forEach(ByteBuf::release);
        chunks.clear();
        bytes = 0;
    }
}
