package io.auriga.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** How the commands that talk to a running proxy address its admin API and phrase failures. */
final class AdminApi {
    private AdminApi() {
    }

    /**
     * The URL of {@code path} (and {@code query}, may be null) under the {@code --admin} base;
     * accepts {@code host:port} as well as a full URL, since that is what people type.
     *
     * @throws ParameterException for a URL that is not http(s)://HOST[:PORT]
     */
    static URI resolve(CommandLine command, String admin, String path, String query) {
        String base = admin.strip();
        if (!base.contains("://")) {
            base = "http://" + base;
        }
        try {
            URI uri = new URI(base);
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                    || uri.getHost() == null) {
                throw new URISyntaxException(admin, "expected http://HOST:PORT");
            }
            String prefix = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), prefix + path, query, null);
        } catch (URISyntaxException e) {
            throw new ParameterException(command, "Invalid --admin URL '" + admin + "': " + e.getReason());
        }
    }

    /** Why a request got no answer, in a few words. */
    static String reason(IOException e, Duration timeout) {
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + timeout.toSeconds() + "s";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        // HttpClient often wraps the useful exception and leaves its own message empty.
        Throwable cause = e;
        while (cause.getMessage() == null && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    static final String NOT_RUNNING_HINT =
            "Is auriga running? Its admin address is the admin: section of its config (default 127.0.0.1:6480).";
}
