package io.auriga.cli;

import io.auriga.core.admin.SwitchoverJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code auriga switchover}: asks a running proxy's admin API ({@code POST /switchover}) to hand
 * a cluster's primary role to a replica, waits for the outcome and prints it. Exit code 0 when the
 * switchover completed, 1 when it was refused, rolled back or the proxy could not be reached,
 * 2 for bad options.
 */
@Command(name = "switchover", mixinStandardHelpOptions = true,
        description = {"Hands a cluster's primary role to a replica, planned: new transactions on the writer"
                + " endpoint wait at their boundary, open ones may finish (switchover-drain), the old primary"
                + " turns read-only, the replica replays everything and is promoted, and waiting sessions"
                + " move to it with their settings and prepared statements. No commit is lost and idle"
                + " sessions see no error. The old primary rejoins as a replica where Auriga manages the"
                + " servers (auriga demo) and otherwise stays fenced read-only.",
                "A failure before the promotion rolls back: the old primary is writable again."})
public final class SwitchoverCommand implements Callable<Integer> {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    @Option(names = "--cluster", paramLabel = "NAME", required = true, description = "The cluster to switch over.")
    String cluster;

    @Option(names = "--to", paramLabel = "INSTANCE",
            description = "The replica to promote (default: the one a failover would choose: lowest promotion"
                    + " tier, most advanced, least lag).")
    String to;

    @Option(names = "--admin", paramLabel = "URL", defaultValue = "http://127.0.0.1:6480",
            description = "Admin API of the running proxy (default: ${DEFAULT-VALUE}).")
    String admin;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File holding the admin API's bearer token (default: the " + AdminApi.TOKEN_ENV
                    + " environment variable); a switchover always needs it.")
    Path adminTokenFile;

    @Mixin
    AdminTlsOptions tls = new AdminTlsOptions();

    /** Where {@link AdminApi#TOKEN_ENV} and the TLS options' variables are looked up; tests give their own. */
    Map<String, String> env = System.getenv();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "How long to wait for the outcome (default: ${DEFAULT-VALUE}); the switchover itself"
                    + " bounds every step.")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String query = "cluster=" + encode(cluster) + (to == null ? "" : "&to=" + encode(to));
        URI uri = AdminApi.resolve(spec.commandLine(), admin, "/switchover", null);
        uri = URI.create(uri + "?" + query);
        Duration timeout = Duration.ofSeconds(Math.max(1, timeoutSeconds));
        Optional<String> token = AdminApi.token(spec.commandLine(), adminTokenFile, env);
        HttpClient client = tls.client(spec.commandLine(), uri, CONNECT_TIMEOUT, env);
        HttpResponse<String> response;
        try {
            response = client.send(
                    AdminApi.authorize(HttpRequest.newBuilder(uri), token).timeout(timeout)
                            .header("Accept", "application/json")
                            .POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("auriga switchover: interrupted while waiting for " + uri);
            err.flush();
            return 1;
        } catch (IOException e) {
            err.println("auriga switchover: cannot reach the admin API at " + uri + ": " + AdminApi.reason(e, timeout)
                    + "\n" + AdminApi.NOT_RUNNING_HINT);
            err.flush();
            return 1;
        }
        SwitchoverJson.View view;
        try {
            view = SwitchoverJson.parse(response.body());
        } catch (IOException e) {
            err.println("auriga switchover: " + uri + " answered HTTP " + response.statusCode() + ": "
                    + response.body().strip() + AdminApi.refusedHint(response.statusCode(), token.isPresent(),
                    tls.presentsCertificate(uri, env)));
            err.flush();
            return 1;
        }
        if (!"completed".equals(view.outcome())) {
            err.println("auriga switchover: " + view.outcome() + ": " + view.message());
            printSteps(err, view);
            err.flush();
            return 1;
        }
        print(out, view);
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, SwitchoverJson.View view) {
        out.printf("Cluster %s: switched over from %s to %s%n", view.cluster(), view.oldPrimary(), view.newPrimary());
        out.printf("  writes held for %d ms, %d ms in all%n", view.pauseMillis(), view.durationMillis());
        out.printf("  %s is now %s%n", view.oldPrimary(), "replica".equals(view.formerPrimary())
                ? "a replica of " + view.newPrimary()
                : "fenced read-only; rejoin it as a replica of " + view.newPrimary() + " by hand");
        printSteps(out, view);
    }

    private static void printSteps(PrintWriter out, SwitchoverJson.View view) {
        if (view.steps().isEmpty()) {
            return;
        }
        int width = view.steps().stream().mapToInt(s -> s.name().length()).max().orElse(0);
        out.println("  steps:");
        for (SwitchoverJson.StepView step : view.steps()) {
            out.printf("    %-" + width + "s %6d ms  %s%n", step.name(), step.millis(), step.detail());
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
