package io.auriga.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
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

    /** Where the commands find the admin token when {@code --admin-token-file} is not given. */
    static final String TOKEN_ENV = "AURIGA_ADMIN_TOKEN";

    /**
     * The bearer token for the admin API: the content of {@code tokenFile} when given, else
     * {@link #TOKEN_ENV}, else none (the proxy then answers only what {@code admin.public-read} opens).
     * A token is never taken from the command line, where every local user could read it.
     *
     * @throws ParameterException for a token file that cannot be read or is empty
     */
    static Optional<String> token(CommandLine command, Path tokenFile, Map<String, String> env) {
        if (tokenFile != null) {
            String token;
            try {
                token = Files.readString(tokenFile).strip();
            } catch (IOException e) {
                throw new ParameterException(command, "Cannot read --admin-token-file " + tokenFile + ": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
            if (token.isEmpty()) {
                throw new ParameterException(command, "--admin-token-file " + tokenFile + " is empty");
            }
            return Optional.of(token);
        }
        return Optional.ofNullable(env.get(TOKEN_ENV)).map(String::strip).filter(t -> !t.isEmpty());
    }

    /** {@code request} with the token as a bearer token, if there is one. */
    static HttpRequest.Builder authorize(HttpRequest.Builder request, Optional<String> token) {
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return request;
    }

    /**
     * What to do about an answer of HTTP {@code status}; empty unless the request was refused for want
     * of a credential. A JDK client presents its certificate only when its authority is among those the
     * listener asks for, so an unsent certificate and a refused one look the same from here.
     */
    static String refusedHint(int status, boolean hadToken, boolean hadCertificate) {
        if (status == 401 && hadCertificate) {
            return "\nThe client certificate was not accepted: it must be issued by an authority in the proxy's "
                    + "admin.tls.client-ca" + (hadToken ? ", and the admin token was not accepted either." : ".");
        }
        if (status == 401) {
            return hadToken ? "\nThe admin token was not accepted: check --admin-token-file or " + TOKEN_ENV + "."
                    : "\nPass the admin token with --admin-token-file FILE or " + TOKEN_ENV
                    + " (auriga demo writes it to DIR/admin.token).";
        }
        return "";
    }

    /** Why a request got no answer, in a few words. */
    static String reason(IOException e, Duration timeout) {
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + timeout.toSeconds() + "s";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof SSLHandshakeException) {
            String message = String.valueOf(e.getMessage());
            return "TLS handshake failed: " + message + (message.contains("PKIX")
                    ? " (give the authority of the admin listener's certificate with --admin-ca)"
                    : message.contains("plaintext") ? " (the admin listener speaks plain http://)" : "");
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
