package io.auriga.core.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyJsonTest {

    @Test
    void writesTheDocumentedFields() throws Exception {
        JsonNode root = new JsonMapper().readTree(TopologyJson.toJson(List.of(Topologies.main(), Topologies.shop())));

        JsonNode main = root.get("clusters").get(0);
        assertEquals("main", main.get("name").asText());
        assertEquals("postgres", main.get("engine").asText());
        assertEquals(3, main.get("epoch").asLong());
        JsonNode pg2 = main.get("instances").get(1);
        assertEquals("pg2", pg2.get("name").asText());
        assertEquals("127.0.0.1", pg2.get("host").asText());
        assertEquals(5433, pg2.get("port").asInt());
        assertEquals("replica", pg2.get("role").asText());
        assertEquals(42, pg2.get("lagMillis").asLong());
        assertEquals(900, pg2.get("position").asLong());
        assertFalse(pg2.has("error"), "no error field when the probe succeeded");
        assertEquals("connection refused", main.get("instances").get(2).get("error").asText());
        assertEquals("mysql", root.get("clusters").get(1).get("engine").asText());
    }

    @Test
    void parsesWhatItWrites() throws Exception {
        TopologyJson.ClustersView view = TopologyJson.parse(TopologyJson.toJson(List.of(Topologies.main())));

        assertEquals(TopologyJson.view(List.of(Topologies.main())), view);
        TopologyJson.InstanceView pg1 = view.clusters().get(0).instances().get(0);
        assertEquals("primary", pg1.role());
        assertNull(pg1.error());
        assertEquals("2026-03-01T12:00:00Z", pg1.observedAt());
    }

    @Test
    void showsAnOperationUnderWayAndOmitsItOtherwise() throws Exception {
        String json = new String(TopologyJson.write(List.of(Topologies.main(), Topologies.shop()),
                cluster -> cluster.equals("main")
                        ? new AdminControl.InProgress("switchover", "switchover from pg1 to pg2") : null),
                java.nio.charset.StandardCharsets.UTF_8);
        JsonNode root = new JsonMapper().readTree(json);

        assertEquals("switchover", root.get("clusters").get(0).get("inProgress").get("kind").asText());
        assertFalse(root.get("clusters").get(1).has("inProgress"));
        TopologyJson.ClusterView main = TopologyJson.parse(json).clusters().get(0);
        assertEquals(new TopologyJson.InProgressView("switchover", "switchover from pg1 to pg2"), main.inProgress());
    }

    @Test
    void ignoresFieldsItDoesNotKnow() throws Exception {
        String json = """
                {"clusters":[{"name":"c","engine":"postgres","epoch":7,"future":{"x":1},
                  "instances":[{"name":"a","host":"h","port":1,"role":"fenced","lagMillis":-1,"shiny":true}]}],
                 "version":2}""";

        TopologyJson.ClustersView view = TopologyJson.parse(json);

        assertEquals(7, view.clusters().get(0).epoch());
        assertEquals("fenced", view.clusters().get(0).instances().get(0).role());
    }

    @Test
    void refusesSomethingElse() {
        assertThrows(IOException.class, () -> TopologyJson.parse("<html>"));
        assertEquals(List.of(), assertDoesNotThrowParse("{}").clusters());
    }

    private static TopologyJson.ClustersView assertDoesNotThrowParse(String json) {
        try {
            return TopologyJson.parse(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
