package io.auriga.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.AdminConfig;
import io.auriga.config.Secret;
import io.auriga.core.admin.SwitchoverJson;
import io.auriga.core.admin.TopologyJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Switchovers asked of a running proxy's admin API, as the integration tests of every engine ask them. */
public final class SwitchoverRequests {
    /** The bearer token the test proxies' admin listeners accept ({@link #admin(int)}). */
    public static final String ADMIN_TOKEN = "integration-test-admin-token";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SwitchoverRequests() {
    }

    /** A loopback admin listener on {@code port} that accepts {@link #ADMIN_TOKEN}. */
    public static AdminConfig admin(int port) {
        return new AdminConfig("127.0.0.1", port).withToken(new Secret(ADMIN_TOKEN, "test"));
    }

    /** A request to the admin API on {@code adminPort}, with the token. */
    public static HttpRequest.Builder authorized(int adminPort, String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + pathAndQuery))
                .header("Authorization", "Bearer " + ADMIN_TOKEN);
    }

    /** {@code POST /switchover?cluster=..[&to=..]}, whatever it answers. */
    public static HttpResponse<String> post(int adminPort, String cluster, String target) throws Exception {
        return HTTP.send(request(adminPort, cluster, target), HttpResponse.BodyHandlers.ofString());
    }

    /** A switchover that must complete (HTTP 200). */
    public static SwitchoverJson.View switchover(int adminPort, String cluster, String target) throws Exception {
        HttpResponse<String> response = post(adminPort, cluster, target);
        assertEquals(200, response.statusCode(), response.body());
        return SwitchoverJson.parse(response.body());
    }

    /** A switchover that must complete, and that {@code /topology} must show in progress while it runs. */
    public static SwitchoverJson.View switchoverSeenInTopology(int adminPort, String cluster, String target)
            throws Exception {
        CompletableFuture<HttpResponse<String>> answer = HTTP.sendAsync(request(adminPort, cluster, target),
                HttpResponse.BodyHandlers.ofString());
        boolean seen = false;
        while (!answer.isDone() && !seen) {
            String json = HTTP.send(authorized(adminPort, "/topology").build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            TopologyJson.ClusterView view = TopologyJson.parse(json).clusters().stream()
                    .filter(c -> c.name().equals(cluster)).findFirst().orElseThrow();
            seen = view.inProgress() != null && view.inProgress().kind().equals("switchover")
                    && view.inProgress().description().contains(target);
        }
        HttpResponse<String> response = answer.get(3, TimeUnit.MINUTES);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(seen, "/topology showed the switchover in progress");
        return SwitchoverJson.parse(response.body());
    }

    private static HttpRequest request(int adminPort, String cluster, String target) {
        return authorized(adminPort, "/switchover?cluster=" + cluster + (target == null ? "" : "&to=" + target))
                .timeout(Duration.ofMinutes(3)).POST(HttpRequest.BodyPublishers.noBody()).build();
    }
}
