package io.auriga.core.topology;

/** One swap of a cluster's snapshot: before (null for the first), after, and why. */
public record TopologyChange(Topology before, Topology after, String reason) {
}
