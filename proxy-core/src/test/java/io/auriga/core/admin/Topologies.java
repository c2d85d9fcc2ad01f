package io.auriga.core.admin;

import io.auriga.config.Engine;
import io.auriga.config.InstanceConfig;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import java.time.Instant;
import java.util.List;

/** Hand-built snapshots for admin tests. */
final class Topologies {
    static final Instant AT = Instant.parse("2026-03-01T12:00:00Z");

    private Topologies() {
    }

    /** main (postgres, epoch 3): pg1 primary, pg2 replica 42 ms behind, pg3 down. */
    static Topology main() {
        return new Topology("main", Engine.POSTGRES, 3, List.of(
                instance("pg1", 5432, Role.PRIMARY, 1000, 0, null),
                instance("pg2", 5433, Role.REPLICA, 900, 42, null),
                instance("pg3", 5434, Role.DOWN, -1, -1, "connection refused")), AT);
    }

    /** main after losing its primary: nothing is primary yet. */
    static Topology mainWithoutPrimary() {
        return new Topology("main", Engine.POSTGRES, 3, List.of(
                instance("pg1", 5432, Role.DOWN, -1, -1, "connection refused"),
                instance("pg2", 5433, Role.REPLICA, 900, 1500, null)), AT);
    }

    /** shop (mysql, epoch 1): my1 primary. */
    static Topology shop() {
        return new Topology("shop", Engine.MYSQL, 1, List.of(instance("my1", 3306, Role.PRIMARY, 77, 0, null)), AT);
    }

    static InstanceState instance(String name, int port, Role role, long position, long lag, String error) {
        return new InstanceState(new InstanceConfig(name, "127.0.0.1", port, 0, false), role, position, lag, AT, error);
    }
}
