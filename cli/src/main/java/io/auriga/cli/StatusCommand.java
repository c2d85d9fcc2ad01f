package io.auriga.cli;

import io.auriga.core.admin.TopologyJson;
import io.auriga.core.admin.TopologyJson.ClusterView;
import io.auriga.core.admin.TopologyJson.InstanceView;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code auriga status}: asks a running proxy's admin API for {@code /topology} and prints one
 * table per cluster. Exit code 0 when the proxy answered, 1 when it could not be reached or
 * answered something other than a topology, 2 for a bad {@code --admin} URL.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows each cluster's instances as the running proxy sees them: role, address,"
                + " replica lag and the topology epoch.")
public final class StatusCommand implements Callable<Integer> {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Option(names = "--admin", paramLabel = "URL", defaultValue = "http://127.0.0.1:6480",
            description = "Admin API of the running proxy (default: ${DEFAULT-VALUE}).")
    String admin;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File holding the admin API's bearer token (default: the " + AdminApi.TOKEN_ENV
                    + " environment variable). /topology needs it unless the proxy sets admin.public-read.")
    Path adminTokenFile;

    @Mixin
    AdminTlsOptions tls = new AdminTlsOptions();

    /** Where {@link AdminApi#TOKEN_ENV} and the TLS options' variables are looked up; tests give their own. */
    Map<String, String> env = System.getenv();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        URI topology = topologyUri();
        Optional<String> token = AdminApi.token(spec.commandLine(), adminTokenFile, env);
        HttpClient client = tls.client(spec.commandLine(), topology, TIMEOUT, env);
        String body;
        try {
            body = fetch(client, topology, token, tls.presentsCertificate(topology, env));
        } catch (AdminUnreachable e) {
            err.println("auriga status: " + e.getMessage());
            err.flush();
            return 1;
        }
        TopologyJson.ClustersView view;
        try {
            view = TopologyJson.parse(body);
        } catch (IOException e) {
            err.println("auriga status: " + topology + " did not answer a topology document: " + e.getMessage());
            err.flush();
            return 1;
        }
        print(out, view);
        out.flush();
        return 0;
    }

    private URI topologyUri() {
        return AdminApi.resolve(spec.commandLine(), admin, "/topology", null);
    }

    private static String fetch(HttpClient client, URI uri, Optional<String> token, boolean certificate)
            throws AdminUnreachable {
        HttpRequest request = AdminApi.authorize(HttpRequest.newBuilder(uri), token).timeout(TIMEOUT)
                .header("Accept", "application/json").GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminUnreachable("interrupted while asking " + uri);
        } catch (IOException e) {
            throw new AdminUnreachable("cannot reach the admin API at " + uri + ": " + AdminApi.reason(e, TIMEOUT)
                    + "\n" + AdminApi.NOT_RUNNING_HINT);
        }
        if (response.statusCode() != 200) {
            throw new AdminUnreachable(uri + " answered HTTP " + response.statusCode() + ": " + response.body().strip()
                    + AdminApi.refusedHint(response.statusCode(), token.isPresent(), certificate));
        }
        return response.body();
    }

    static void print(PrintWriter out, TopologyJson.ClustersView view) {
        if (view.clusters().isEmpty()) {
            out.println("No clusters.");
            return;
        }
        boolean first = true;
        for (ClusterView cluster : view.clusters()) {
            if (!first) {
                out.println();
            }
            first = false;
            out.printf("Cluster %s (%s)  epoch %d%n", cluster.name(), cluster.engine(), cluster.epoch());
            if (cluster.inProgress() != null) {
                out.printf("  %s in progress: %s%n", cluster.inProgress().kind(), cluster.inProgress().description());
            }
            long primaries = cluster.instances().stream().filter(i -> "primary".equals(i.role())).count();
            if (primaries != 1) {
                out.println(primaries == 0 ? "  warning: no primary, writes cannot be served"
                        : "  warning: " + primaries + " instances claim to be primary, writes are not routed");
            }
            printTable(out, cluster.instances());
        }
    }

    private static void printTable(PrintWriter out, List<InstanceView> instances) {
        boolean errors = instances.stream().anyMatch(i -> i.error() != null && !i.error().isBlank());
        List<String[]> rows = new ArrayList<>();
        rows.add(errors ? new String[] {"NAME", "ROLE", "HOST:PORT", "LAG", "ERROR"}
                : new String[] {"NAME", "ROLE", "HOST:PORT", "LAG"});
        for (InstanceView i : instances) {
            String address = (i.host() != null && i.host().contains(":") ? "[" + i.host() + "]" : i.host()) + ":" + i.port();
            String lag = lag(i);
            rows.add(errors ? new String[] {i.name(), i.role(), address, lag, i.error() == null ? "" : i.error()}
                    : new String[] {i.name(), i.role(), address, lag});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], String.valueOf(row[c]).length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int c = 0; c < row.length; c++) {
                String cell = String.valueOf(row[c]);
                line.append(cell);
                if (c < row.length - 1) {
                    line.append(" ".repeat(widths[c] - cell.length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** Lag means something only for a replica whose lag is known; everything else shows "-". */
    static String lag(InstanceView instance) {
        long millis = instance.lagMillis();
        if (!"replica".equals(instance.role()) || millis < 0) {
            return "-";
        }
        if (millis < 10_000) {
            return millis + "ms";
        }
        if (millis < 600_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        return (millis / 60_000) + "m" + String.format(Locale.ROOT, "%02ds", (millis / 1000) % 60);
    }

    /** Why the topology could not be fetched, already phrased for the operator. */
    private static final class AdminUnreachable extends Exception {
        AdminUnreachable(String message) {
            super(message);
        }
    }
}
