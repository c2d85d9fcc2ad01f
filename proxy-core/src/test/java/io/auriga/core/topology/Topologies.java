package io.auriga.core.topology;

import io.auriga.config.Engine;
import io.auriga.config.InstanceConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds hand-made snapshots for tests: {@code Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build()}. */
public final class Topologies {
    private final String cluster;
    private final long epoch;
    private final List<InstanceState> instances = new ArrayList<>();
    private int nextPort = 5432;

    private Topologies(String cluster, long epoch) {
        this.cluster = cluster;
        this.epoch = epoch;
    }

    public static Topologies of(String cluster, long epoch) {
        return new Topologies(cluster, epoch);
    }

    public Topologies primary(String name) {
        return add(name, Role.PRIMARY, 0);
    }

    public Topologies replica(String name, long lagMillis) {
        return add(name, Role.REPLICA, lagMillis);
    }

    public Topologies add(String name, Role role, long lagMillis) {
        InstanceConfig config = new InstanceConfig(name, "127.0.0.1", nextPort++, 0, false);
        instances.add(new InstanceState(config, role, 100, lagMillis, Instant.EPOCH, null));
        return this;
    }

    /** A replica whose replication stopped on {@code error}. */
    public Topologies stoppedReplica(String name, String error) {
        InstanceConfig config = new InstanceConfig(name, "127.0.0.1", nextPort++, 0, false);
        instances.add(new InstanceState(config, Role.REPLICA, 100, 0, Instant.EPOCH, null, 100, error));
        return this;
    }

    public Topology build() {
        return new Topology(cluster, Engine.POSTGRES, epoch, instances, Instant.EPOCH);
    }
}
