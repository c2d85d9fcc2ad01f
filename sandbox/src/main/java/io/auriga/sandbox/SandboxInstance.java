package io.auriga.sandbox;

/** One database server of a sandbox, as every engine's sandbox names and reaches it. */
public interface SandboxInstance {

    /** The instance's name: a prefix and a number, {@code pg1} or {@code my1} being the provisioned primary. */
    String name();

    /** The address it listens on: always {@code 127.0.0.1}. */
    String host();

    /** The loopback TCP port it listens on. */
    int port();
}
