package io.auriga.core.health;

import io.auriga.config.InstanceConfig;

/**
 * Probes one instance's role and replication position. One probe object serves one instance,
 * may keep a connection open between calls, and must answer within its timeout.
 */
public interface Probe extends AutoCloseable {

    ProbeResult probe();

    @Override
    void close();

    /** Makes the probe for one instance of a cluster. */
    interface Factory {
        Probe create(InstanceConfig instance);
    }
}
