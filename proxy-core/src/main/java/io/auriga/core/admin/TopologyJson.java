package io.auriga.core.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.auriga.core.topology.InstanceState;
import io.auriga.core.topology.Topology;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code GET /topology} document, both ways: rendered from topology snapshots by the admin
 * server and parsed back into plain view records by {@code auriga status}.
 *
 * <pre>{@code
 * {"clusters":[{"name":"main","engine":"postgres","epoch":3,"observedAt":"…",
 *   "inProgress":{"kind":"switchover","description":"switchover from pg1 to pg2"},
 *   "instances":[{"name":"pg1","host":"10.0.0.1","port":5432,"role":"primary","lagMillis":0,
 *                 "position":123456,"observedAt":"…"}]}]}
 * }</pre>
 *
 * The fields {@code name, engine, epoch, instances, host, port, role, lagMillis} are the
 * documented contract; others may be added. Parsing therefore ignores fields it does not know, so
 * an older {@code auriga status} keeps working against a newer server.
 */
public final class TopologyJson {
    // Readers and writers are immutable and thread-safe; the mapper is never touched after this.
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final ObjectWriter WRITER = MAPPER.writerFor(ClustersView.class);
    private static final ObjectReader READER = MAPPER.readerFor(ClustersView.class);

    private TopologyJson() {
    }

    /** The whole document: every cluster. */
    public record ClustersView(List<ClusterView> clusters) {
        public ClustersView {
            clusters = clusters == null ? List.of() : List.copyOf(clusters);
        }
    }

    /**
     * One cluster.
     *
     * @param engine     {@code postgres} or {@code mysql}
     * @param observedAt when the snapshot was taken, ISO-8601
     * @param inProgress a failover or switchover under way (for a held failover, what it waits for);
     *                   absent when none is
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ClusterView(String name, String engine, long epoch, String observedAt, List<InstanceView> instances,
                              InProgressView inProgress) {
        public ClusterView {
            instances = instances == null ? List.of() : List.copyOf(instances);
        }

        public ClusterView(String name, String engine, long epoch, String observedAt, List<InstanceView> instances) {
            this(name, engine, epoch, observedAt, instances, null);
        }
    }

    /**
     * A failover or switchover the cluster has under way; absent when none is.
     *
     * @param kind {@code failover} or {@code switchover}
     */
    public record InProgressView(String kind, String description) {
    }

    /**
     * One instance.
     *
     * @param role      {@code primary}, {@code replica}, {@code down} or {@code fenced}
     * @param lagMillis replica replay lag, 0 for a primary, -1 when unknown
     * @param position  replication position (PostgreSQL: LSN as a byte offset), -1 when unknown
     * @param received  WAL held: received and flushed on a replica, current on a primary; -1 unknown
     * @param error     why the last probe failed; absent when it succeeded
     * @param replicationError a replica whose replication stopped on an error: the server's error; absent
     *                  otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InstanceView(String name, String host, int port, String role, long lagMillis, long position,
                               String observedAt, String error, Long received, String replicationError) {

        /** An instance with no replication error to report. */
        public InstanceView(String name, String host, int port, String role, long lagMillis, long position,
                            String observedAt, String error, Long received) {
            this(name, host, port, role, lagMillis, position, observedAt, error, received, null);
        }

        /** An instance whose received position is not reported. */
        public InstanceView(String name, String host, int port, String role, long lagMillis, long position,
                            String observedAt, String error) {
            this(name, host, port, role, lagMillis, position, observedAt, error, null);
        }
    }

    /** Maps snapshots to the document's view records. */
    public static ClustersView view(List<Topology> topologies) {
        return view(topologies, cluster -> null);
    }

    /** Maps snapshots to the document's view records, with what each cluster has under way. */
    public static ClustersView view(List<Topology> topologies,
                                    Function<String, AdminControl.InProgress> inProgress) {
        return new ClustersView(topologies.stream().map(t -> cluster(t, inProgress.apply(t.cluster()))).toList());
    }

    /** The document as UTF-8 JSON bytes. */
    public static byte[] write(List<Topology> topologies) {
        return write(topologies, cluster -> null);
    }

    /** The document as UTF-8 JSON bytes, with what each cluster has under way. */
    public static byte[] write(List<Topology> topologies, Function<String, AdminControl.InProgress> inProgress) {
        try {
            return WRITER.writeValueAsBytes(view(topologies, inProgress));
        } catch (JsonProcessingException e) {
            // Only plain records and strings are written, so this cannot happen short of a bug.
            throw new IllegalStateException("cannot render topology JSON", e);
        }
    }

    /** The document as a JSON string. */
    public static String toJson(List<Topology> topologies) {
        try {
            return WRITER.writeValueAsString(view(topologies));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render topology JSON", e);
        }
    }

    /**
     * Parses a {@code /topology} document.
     *
     * @throws IOException when the text is not JSON or not shaped like the document
     */
    public static ClustersView parse(String json) throws IOException {
        ClustersView view = READER.readValue(json);
        if (view == null) {
            throw new IOException("empty topology document");
        }
        return view;
    }

    private static ClusterView cluster(Topology t, AdminControl.InProgress inProgress) {
        List<InstanceView> instances = t.instances().stream().map(TopologyJson::instance).toList();
        return new ClusterView(t.cluster(), t.engine().configName(), t.epoch(), instant(t.at()), instances,
                inProgress == null ? null : new InProgressView(inProgress.kind(), inProgress.description()));
    }

    private static InstanceView instance(InstanceState i) {
        return new InstanceView(i.name(), i.config().host(), i.config().port(), i.role().wireName(), i.lagMillis(),
                i.position(), instant(i.observedAt()), i.error(), i.received(), i.replicationError());
    }

    private static String instant(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
