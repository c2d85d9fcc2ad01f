package io.auriga.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.TokenKeys;
import io.auriga.core.auth.AuthException;
import io.auriga.core.auth.Tokens;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TokenCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void generatesAKeyPairThenIssuesTokensTheProxyAccepts() throws Exception {
        Path key = dir.resolve("keys").resolve("token.key");
        assertEquals(0, run("--generate-key", "--key-file", key.toString()), err.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        Path pub = dir.resolve("keys").resolve("token.key.pub");
        assertTrue(out.toString().contains("tokens: { public-key: " + pub.toAbsolutePath() + " }"), out.toString());

        out.getBuffer().setLength(0);
        assertEquals(0, run("--user", "app", "--key-file", key.toString(), "--ttl", "10m"), err.toString());
        String token = out.toString().strip();
        Tokens proxy = new Tokens(TokenKeys.readPublic(pub), Duration.ofHours(1), Clock.systemUTC());
        proxy.check(token, "app");
        assertThrows(AuthException.class, () -> proxy.check(token, "other"));
        // Ten minutes: still valid in nine, expired (beyond the minute of leeway) in twelve.
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(9));
        new Tokens(TokenKeys.readPublic(pub), Duration.ofHours(1), later).check(token, "app");
        Clock expired = Clock.fixed(Clock.systemUTC().instant().plus(Duration.ofMinutes(12)), ZoneOffset.UTC);
        assertThrows(AuthException.class,
                () -> new Tokens(TokenKeys.readPublic(pub), Duration.ofHours(1), expired).check(token, "app"));
    }

    @Test
    void neverOverwritesAKey() throws Exception {
        Path key = dir.resolve("token.key");
        assertEquals(0, run("--generate-key", "--key-file", key.toString()), err.toString());
        String before = Files.readString(key);
        assertEquals(1, run("--generate-key", "--key-file", key.toString()));
        assertTrue(err.toString().contains(key + " exists; it is never overwritten"), err.toString());
        assertEquals(before, Files.readString(key));
    }

    @Test
    void badInputGetsAClearError() throws Exception {
        assertEquals(2, run("--key-file", dir.resolve("k").toString()));
        assertTrue(err.toString().contains("Missing required option: '--user=NAME'"), err.toString());
        assertEquals(1, run("--user", "app", "--key-file", dir.resolve("missing.key").toString()));
        assertTrue(err.toString().contains("cannot read " + dir.resolve("missing.key") + ": No such file"),
                err.toString());
        Path pub = dir.resolve("only.pub");
        Files.writeString(pub, TokenKeys.pem(TokenKeys.generate().getPublic()));
        assertEquals(1, run("--user", "app", "--key-file", pub.toString()));
        assertTrue(err.toString().contains(pub + " holds no PEM block \"BEGIN PRIVATE KEY\""), err.toString());
        Path key = dir.resolve("token.key");
        Files.writeString(key, TokenKeys.pem(TokenKeys.generate().getPrivate()));
        assertEquals(2, run("--user", "app", "--key-file", key.toString(), "--ttl", "15"));
        assertTrue(err.toString().contains("Invalid --ttl: '15' has no unit"), err.toString());
        assertEquals(2, run("--generate-key", "--user", "app", "--key-file", dir.resolve("new.key").toString()));
        assertTrue(err.toString().contains("--generate-key issues no token; leave out --user"), err.toString());
    }

    private int run(String... args) {
        CommandLine command = new CommandLine(new TokenCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }
}
