package io.auriga.core.failover;

/**
 * Turns a fenced former primary into a streaming replica of the current primary (for PostgreSQL:
 * pg_rewind, then standby configuration). Only possible where Auriga manages the servers, such as
 * the demo's sandbox; elsewhere the former primary stays fenced for an operator to rejoin.
 */
@FunctionalInterface
public interface Rejoiner {

    /** Blocks until {@code instance} streams from {@code primary}, or throws saying which step failed. */
    void rejoin(String instance, String primary) throws Exception;
}
