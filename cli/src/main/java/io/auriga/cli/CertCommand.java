package io.auriga.cli;

import io.auriga.core.tls.CertificateAuthority;
import io.auriga.core.tls.TlsFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code auriga cert}: creates (or keeps, while valid) a private CA and a server certificate for
 * the names clients use to reach the proxy, and says how to use them. With {@code --client} it also
 * issues client certificates from that CA, for an admin API that verifies them
 * ({@code admin.tls.client-ca}).
 */
@Command(name = "cert", mixinStandardHelpOptions = true,
        description = {"Creates a private certificate authority and a server certificate for the given host"
                + " names and IP addresses, so clients can verify the proxy (sslmode=verify-full).",
                "Valid files already in DIR are kept; only the server certificate is re-issued when the names"
                        + " change, so clients that trust ca.crt keep working.",
                "--client NAME issues DIR/NAME.crt and DIR/NAME.key, a client certificate from the same authority"
                        + " for the admin API (admin.tls.client-ca), new each time."})
public final class CertCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Directory for ca.crt, ca.key, server.crt and server.key (created if missing).")
    Path out;

    @Option(names = "--host", required = true, arity = "1..*", split = ",", paramLabel = "NAME",
            description = "Host name or IP address clients connect to; repeat or separate with commas"
                    + " (e.g. --host localhost 127.0.0.1).")
    List<String> hosts;

    @Option(names = "--force",
            description = "Create a new authority even if the files in DIR are valid; clients must then trust"
                    + " the new ca.crt.")
    boolean force;

    @Option(names = "--client", paramLabel = "NAME", split = ",",
            description = "Also issue a client certificate with this name (CN) as DIR/NAME.crt and DIR/NAME.key;"
                    + " repeat or separate with commas.")
    List<String> clients = List.of();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        clients.forEach(this::checkClientName);
        TlsFiles files;
        try {
            files = force ? CertificateAuthority.create(out, hosts, Clock.systemUTC())
                    : CertificateAuthority.ensure(out, hosts);
            for (String client : clients) {
                CertificateAuthority.issueClient(out, client, clientCert(client), clientKey(client), Clock.systemUTC());
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid --host: " + e.getMessage());
        } catch (IOException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("auriga cert: cannot write " + out + ": " + e.getMessage());
            err.flush();
            return 1;
        }
        print(stdout, files.caCert().getParent().toAbsolutePath(), absolute(files));
        if (!clients.isEmpty()) {
            printClients(stdout, absolute(files));
        }
        stdout.flush();
        return 0;
    }

    /** The name becomes a file name in DIR, so it may not leave DIR or replace the authority's files. */
    private void checkClientName(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new ParameterException(spec.commandLine(), "Invalid --client '" + name + "': a name of letters, "
                    + "digits, '.', '_' and '-' is required (it names DIR/NAME.crt and DIR/NAME.key)");
        }
        if (name.equals("ca") || name.equals("server")) {
            throw new ParameterException(spec.commandLine(), "Invalid --client '" + name + "': ca and server name the "
                    + "authority's and the server's own files");
        }
    }

    private Path clientCert(String name) {
        return out.resolve(name + ".crt").toAbsolutePath();
    }

    private Path clientKey(String name) {
        return out.resolve(name + ".key").toAbsolutePath();
    }

    private void printClients(PrintWriter stdout, TlsFiles files) {
        stdout.println();
        for (String client : clients) {
            stdout.println("  client certificate  " + clientCert(client) + " (CN=" + client + "), key "
                    + clientKey(client));
        }
        String host = hosts.get(0).strip();
        String urlHost = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        String first = clients.get(0);
        stdout.println("Admin:   admin: { tls: { cert: " + files.serverCert() + ", key: " + files.serverKey()
                + ", client-ca: " + files.caCert() + " } }");
        stdout.println("         auriga status --admin https://" + urlHost + ":6480 --admin-ca " + files.caCert()
                + " --admin-cert " + clientCert(first) + " --admin-key " + clientKey(first));
    }

    private void print(PrintWriter stdout, Path dir, TlsFiles files) {
        stdout.println(switch (files.outcome()) {
            case CREATED -> "Created a certificate authority and a server certificate in " + dir;
            case SERVER_REISSUED -> "Issued a new server certificate in " + dir + " (the authority is unchanged)";
            case REUSED -> "Kept the valid certificates in " + dir;
        });
        stdout.println("  CA certificate      " + files.caCert() + "   (give this to clients)");
        stdout.println("  CA key              " + files.caKey() + "   (keep private)");
        stdout.println("  server certificate  " + files.serverCert());
        stdout.println("  server key          " + files.serverKey());
        stdout.println();
        String host = hosts.get(0).strip();
        String urlHost = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        stdout.println("Config:  tls: { mode: required, cert: " + files.serverCert() + ", key: " + files.serverKey() + " }");
        stdout.println("psql:    psql \"host=" + host + " port=6432 sslmode=verify-full sslrootcert=" + files.caCert() + "\"");
        stdout.println("JDBC:    jdbc:postgresql://" + urlHost + ":6432/DB?sslmode=verify-full&sslrootcert=" + files.caCert());
        stdout.println("mysql:   mysql -h " + host + " -P 6033 --ssl-ca=" + files.caCert() + " --ssl-verify-server-cert"
                + "   (MySQL 8 client: --ssl-mode=VERIFY_IDENTITY)");
    }

    private static TlsFiles absolute(TlsFiles files) {
        return new TlsFiles(files.caCert().toAbsolutePath(), files.caKey().toAbsolutePath(),
                files.serverCert().toAbsolutePath(), files.serverKey().toAbsolutePath(), files.outcome());
    }
}
