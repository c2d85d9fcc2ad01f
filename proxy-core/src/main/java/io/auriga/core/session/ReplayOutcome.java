package io.auriga.core.session;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Promise;

/**
 * What replaying a session's state on a new backend comes to, whatever the protocol: the first
 * error the backend reported, or success once every answer is in, or failure when the backend
 * closes first. The protocol's replay handler reads the answers and tells it what it saw.
 *
 * @param <T> what a successful replay yields (the new statement ids, say)
 */
public final class ReplayOutcome<T> {
    private final Promise<T> done;
    private String error;

    public ReplayOutcome(Promise<T> done) {
        this.done = done;
    }

    /** Fails the replay if {@code backend} closes before the answers are in. */
    public void watch(Channel backend) {
        backend.closeFuture().addListener(f -> done.tryFailure(
                new IllegalStateException("the new backend closed while the session's state was replayed")));
    }

    /** The backend reported an error; the first one is what the replay fails with. */
    public void error(String description) {
        if (error == null) {
            error = description;
        }
    }

    /** Every answer is in: the replay succeeded with {@code result}, unless an error came among them. */
    public void answered(T result) {
        if (error == null) {
            done.trySuccess(result);
        } else {
            done.tryFailure(new IllegalStateException("replaying the session's state failed: " + error));
        }
    }

    public void failed(Throwable cause) {
        done.tryFailure(cause);
    }
}
