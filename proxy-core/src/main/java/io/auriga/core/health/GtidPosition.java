package io.auriga.core.health;

import java.util.ArrayList;
import java.util.List;

/**
 * A MariaDB GTID position (here, not in wire-mysql, because the MariaDB probe and the sandbox
 * both read it, and the sandbox must not depend on the wire modules) such as {@code @@gtid_current_pos}: a comma-separated list with one
 * {@code domain-server-sequence} triple per replication domain, e.g. {@code 0-1-42}.
 *
 * <p>The monitor needs one number per instance to compare positions. Within one domain, sequence
 * numbers only grow and every server logs the domain's transactions in the same order
 * ({@code gtid_strict_mode}), so the sequence number of domain 0 orders instances by how far they
 * got. This holds for the single-domain setup Auriga supports (every server with
 * {@code gtid_domain_id=0}, the default); transactions of other domains (multi-source replication,
 * a deliberately changed {@code gtid_domain_id}) are not counted.
 *
 * @param gtids the triples, in the order written
 */
public record GtidPosition(List<Gtid> gtids) {

    /** The replication domain whose sequence number is the position. */
    public static final long DOMAIN = 0;

    /** One {@code domain-server-sequence} triple. */
    public record Gtid(long domain, long serverId, long sequence) {
        @Override
        public String toString() {
            return Long.toUnsignedString(domain) + "-" + Long.toUnsignedString(serverId) + "-"
                    + Long.toUnsignedString(sequence);
        }
    }

    public GtidPosition {
        gtids = List.copyOf(gtids);
    }

    /**
     * Parses a GTID list; an empty or null text is the empty position (nothing written yet).
     *
     * @throws IllegalArgumentException when a triple is malformed
     */
    public static GtidPosition parse(String text) {
        List<Gtid> gtids = new ArrayList<>();
        if (text != null) {
            for (String part : text.split(",")) {
                String triple = part.strip();
                if (triple.isEmpty()) {
                    continue;
                }
                String[] fields = triple.split("-");
                if (fields.length != 3) {
                    throw new IllegalArgumentException("not a GTID (domain-server-sequence): " + triple);
                }
                try {
                    gtids.add(new Gtid(Long.parseUnsignedLong(fields[0]), Long.parseUnsignedLong(fields[1]),
                            Long.parseUnsignedLong(fields[2])));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a GTID (domain-server-sequence): " + triple, e);
                }
            }
        }
        return new GtidPosition(gtids);
    }

    /** The sequence number in domain {@value #DOMAIN}; 0 when that domain has no transaction yet. */
    public long sequence() {
        return gtids.stream().filter(g -> g.domain() == DOMAIN).mapToLong(Gtid::sequence).max().orElse(0);
    }

    /**
     * Whether this position has reached {@code other} in every domain {@code other} names: a replica at
     * this position has applied everything up to {@code other} (sequence numbers within a domain only grow).
     */
    public boolean includes(GtidPosition other) {
        for (Gtid g : other.gtids) {
            boolean reached = gtids.stream().anyMatch(h -> h.domain() == g.domain()
                    && Long.compareUnsigned(h.sequence(), g.sequence()) >= 0);
            if (!reached) {
                return false;
            }
        }
        return true;
    }

    /**
     * The entries of this binary-log state ({@code @@gtid_binlog_state}: the last GTID per domain and
     * server id) that {@code history}, another server's binary-log state, does not cover: same domain
     * and server id with a sequence number at least as high. Under {@code gtid_strict_mode} a server
     * whose state is covered logged nothing the other lacks; an entry returned here names transactions
     * only this server has (up to its sequence number).
     */
    public List<Gtid> beyond(GtidPosition history) {
        List<Gtid> missing = new ArrayList<>();
        for (Gtid g : gtids) {
            boolean covered = history.gtids.stream().anyMatch(h -> h.domain() == g.domain()
                    && h.serverId() == g.serverId() && Long.compareUnsigned(h.sequence(), g.sequence()) >= 0);
            if (!covered) {
                missing.add(g);
            }
        }
        return missing;
    }

    /**
     * Whether {@code gtid} is one this binary-log state does not cover (see {@link #beyond}): its domain
     * and server id are absent here, or its sequence number is higher.
     */
    public boolean lacks(Gtid gtid) {
        return new GtidPosition(List.of(gtid)).beyond(this).size() == 1;
    }

    @Override
    public String toString() {
        return String.join(",", gtids.stream().map(Gtid::toString).toList());
    }
}
