package io.auriga.core.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyHolderTest {
    private final Topology withPrimary = Topologies.of("c", 1).primary("pg1").replica("pg2", 0).build();
    private final Topology withoutPrimary = Topologies.of("c", 1).add("pg1", Role.DOWN, -1).replica("pg2", 0).build();

    /**
     * Between the swap and the orchestrator's listener, a writer session reading the snapshot without
     * a primary must be told to wait: the failover is marked pending before the snapshot is visible.
     */
    @Test
    void aLostPrimaryIsPublishedWithAFailoverPendingUntilTheListenersDecide() {
        TopologyHolder holder = new TopologyHolder(withPrimary);
        List<String> seen = new ArrayList<>();
        holder.addListener(change -> seen.add(holder.failover()));
        holder.publish(withoutPrimary, "pg1 down");
        assertNotNull(seen.get(0), "pending while the listeners run");
        assertNull(holder.failover(), "lifted when no listener started a failover");
    }

    @Test
    void aFailoverAListenerStartsStaysMarked() {
        TopologyHolder holder = new TopologyHolder(withPrimary);
        holder.addListener(change -> holder.moveFailoverState(holder.failoverState(), new FailoverState(
                FailoverState.Phase.PROMOTING, "pg1", "pg2", 1, change.after().at(), null, null, null)));
        holder.publish(withoutPrimary, "pg1 down");
        assertEquals("primary pg1 was lost; promoting pg2", holder.failover());
    }

    @Test
    void otherChangesMarkNothing() {
        TopologyHolder holder = new TopologyHolder(withPrimary);
        List<String> seen = new ArrayList<>();
        holder.addListener(change -> seen.add(holder.failover()));
        holder.publish(Topologies.of("c", 1).primary("pg1").replica("pg2", 50).build(), "lag");
        TopologyHolder down = new TopologyHolder(withoutPrimary);
        down.addListener(change -> seen.add(down.failover()));
        down.publish(withoutPrimary, "still down");
        assertEquals(java.util.Arrays.asList(null, null), seen);
    }
}
