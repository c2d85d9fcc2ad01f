package io.auriga.cli;

import io.auriga.core.tls.TlsContexts;
import io.auriga.core.tls.TlsMaterialException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of the commands that call the admin API over HTTPS ({@code --admin https://...}):
 * the authority that issued the listener's certificate, and the client certificate that proves who
 * calls when the proxy sets {@code admin.tls.client-ca}. Each falls back to an environment variable,
 * as the token does, so that a shell exports them once.
 */
final class AdminTlsOptions {
    static final String CA_ENV = "AURIGA_ADMIN_CA";
    static final String CERT_ENV = "AURIGA_ADMIN_CERT";
    static final String KEY_ENV = "AURIGA_ADMIN_KEY";

    @Option(names = "--admin-ca", paramLabel = "FILE",
            description = "PEM certificate(s) of the authority that issued the admin listener's certificate, for an"
                    + " https:// --admin URL (default: the " + CA_ENV + " environment variable, else the"
                    + " authorities Java trusts).")
    Path ca;

    @Option(names = "--admin-cert", paramLabel = "FILE",
            description = "PEM client certificate to present over https:// (default: the " + CERT_ENV
                    + " environment variable); a proxy with admin.tls.client-ca takes it instead of a token.")
    Path cert;

    @Option(names = "--admin-key", paramLabel = "FILE",
            description = "PEM private key of --admin-cert (default: the " + KEY_ENV + " environment variable).")
    Path key;

    /** Whether the request to {@code uri} will present a client certificate. */
    boolean presentsCertificate(URI uri, Map<String, String> env) {
        return https(uri) && or(cert, env, CERT_ENV).isPresent();
    }

    /**
     * The client that calls {@code uri}: plain for {@code http://}, and for {@code https://} trusting
     * {@code --admin-ca} and presenting {@code --admin-cert} with {@code --admin-key} when given.
     *
     * @throws ParameterException for TLS options with an http:// URL, a certificate without its key (or
     *                            the reverse), or a file that cannot be used
     */
    HttpClient client(CommandLine command, URI uri, Duration connectTimeout, Map<String, String> env) {
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(connectTimeout);
        if (!https(uri)) {
            // Options on the command line are meant; the environment's are for whichever URL is https.
            if (ca != null || cert != null || key != null) {
                throw new ParameterException(command, "--admin-ca, --admin-cert and --admin-key are for an https://"
                        + " --admin URL; " + uri.getScheme() + "://" + uri.getAuthority() + " is plain HTTP");
            }
            return client.build();
        }
        Path caFile = or(ca, env, CA_ENV).orElse(null);
        Path certFile = or(cert, env, CERT_ENV).orElse(null);
        Path keyFile = or(key, env, KEY_ENV).orElse(null);
        if (certFile != null && keyFile == null) {
            throw new ParameterException(command, "--admin-cert " + certFile + " needs its key: --admin-key FILE (or "
                    + KEY_ENV + ")");
        }
        if (keyFile != null && certFile == null) {
            throw new ParameterException(command, "--admin-key " + keyFile + " needs its certificate: --admin-cert FILE"
                    + " (or " + CERT_ENV + ")");
        }
        try {
            return client.sslContext(TlsContexts.httpsClient(caFile, certFile, keyFile)).build();
        } catch (TlsMaterialException e) {
            throw new ParameterException(command, "Cannot use " + option(e.file(), caFile, certFile) + " "
                    + e.getMessage());
        }
    }

    private static boolean https(URI uri) {
        return "https".equalsIgnoreCase(uri.getScheme());
    }

    private static String option(Path file, Path caFile, Path certFile) {
        return file == null ? "the admin TLS files:" : file.equals(caFile) ? "--admin-ca"
                : file.equals(certFile) ? "--admin-cert" : "--admin-key";
    }

    private static Optional<Path> or(Path option, Map<String, String> env, String variable) {
        if (option != null) {
            return Optional.of(option);
        }
        return Optional.ofNullable(env.get(variable)).map(String::strip).filter(v -> !v.isEmpty()).map(Path::of);
    }
}
