package io.auriga.config;

/**
 * When a commit on the primary is acknowledged to the client.
 * <ul>
 *   <li>{@link #ASYNC}: as soon as the primary has it; replicas follow asynchronously, so a failover
 *       can lose commits acknowledged just before the primary was lost.</li>
 *   <li>{@link #QUORUM}: once the primary and at least one replica have flushed it
 *       ({@code synchronous_standby_names = 'ANY 1 (...)'}), and a failover only promotes a replica
 *       holding every acknowledged commit.</li>
 * </ul>
 */
public enum Durability {
    ASYNC, QUORUM
}
