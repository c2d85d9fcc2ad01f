package io.auriga.cli;

import io.auriga.config.Durations;
import io.auriga.config.TokenKeys;
import io.auriga.core.auth.Tokens;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code auriga token}: issues a login token for a user, signed with the Ed25519 private key whose
 * public key the proxy's {@code tokens.public-key} names ({@link Tokens}); or, with
 * {@code --generate-key}, makes that key pair. The token alone goes to standard output, so that
 * {@code PGPASSWORD=$(auriga token ...)} works.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Prints a login token for a user: a password that expires, accepted over TLS by users"
                + " configured with token: true.",
                "With --generate-key, creates the Ed25519 key pair instead: FILE (private, signs tokens) and"
                        + " FILE.pub (public, for tokens.public-key in the proxy's config)."})
public final class TokenCommand implements Callable<Integer> {
    static final Duration DEFAULT_TTL = Duration.ofMinutes(15);

    @Option(names = "--user", paramLabel = "NAME", description = "The user the token logs in.")
    String user;

    @Option(names = "--key-file", required = true, paramLabel = "FILE",
            description = "The Ed25519 private key in PEM (as openssl genpkey -algorithm ed25519 writes it).")
    Path keyFile;

    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "15m",
            description = "How long the token is valid (default: ${DEFAULT-VALUE}); the proxy refuses tokens valid"
                    + " for longer than its tokens.max-ttl (1h by default).")
    String ttl;

    @Option(names = "--generate-key", description = "Create the key pair FILE and FILE.pub; existing files are"
            + " never overwritten.")
    boolean generate;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (generate) {
            if (user != null) {
                throw new ParameterException(spec.commandLine(), "--generate-key issues no token; leave out --user");
            }
            return generate();
        }
        if (user == null || user.isBlank()) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--user=NAME'");
        }
        Duration validity;
        try {
            validity = Durations.parse(ttl);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid --ttl: " + e.getMessage());
        }
        if (validity.isZero()) {
            throw new ParameterException(spec.commandLine(), "Invalid --ttl: a token must be valid for some time");
        }
        PrivateKey key;
        try {
            key = TokenKeys.readPrivate(keyFile);
        } catch (IOException e) {
            return failed(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(Tokens.issue(key, user, validity, Clock.systemUTC().instant()));
        out.flush();
        return 0;
    }

    private int generate() {
        Path publicFile = TokenKeys.publicFileOf(keyFile);
        try {
            TokenKeys.writeNewPair(keyFile);
        } catch (FileAlreadyExistsException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("auriga token: " + e.getFile() + " exists; it is never overwritten (tokens signed with it "
                    + "would stop working)");
            err.flush();
            return 1;
        } catch (IOException e) {
            return failed(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Created a token signing key " + keyFile.toAbsolutePath() + " (keep private) and its public key "
                + publicFile.toAbsolutePath());
        out.println();
        out.println("Config:  tokens: { public-key: " + publicFile.toAbsolutePath() + " }");
        out.println("         users: [ { name: app, token: true, password-env: APP_DB_PASSWORD } ]");
        out.println("Token:   auriga token --user app --key-file " + keyFile.toAbsolutePath());
        out.flush();
        return 0;
    }

    private int failed(IOException e) {
        PrintWriter err = spec.commandLine().getErr();
        String why = e instanceof java.nio.file.NoSuchFileException ? "cannot read " + e.getMessage() + ": No such file"
                : e instanceof java.nio.file.AccessDeniedException ? "cannot read " + e.getMessage() + ": Permission denied"
                : e.getMessage() != null ? e.getMessage() : e.toString();
        err.println("auriga token: " + why);
        err.flush();
        return 1;
    }
}
