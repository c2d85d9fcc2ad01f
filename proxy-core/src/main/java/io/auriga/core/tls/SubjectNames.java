package io.auriga.core.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.util.IPAddress;

/**
 * The host names and IP addresses a server certificate is issued for, as subjectAltName
 * entries. IP literals must be {@code iPAddress} entries, not {@code dNSName}: libpq, pgjdbc
 * and the JDK all match an address only against {@code iPAddress}, so {@code sslmode=verify-full}
 * to {@code 127.0.0.1} works only that way.
 */
final class SubjectNames {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;
    private static final String LABEL = "[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?";
    private static final Pattern DNS_NAME = Pattern.compile("(\\*\\.)?" + LABEL + "(\\." + LABEL + ")*");

    private final List<String> dnsNames;
    private final List<InetAddress> addresses;

    private SubjectNames(List<String> dnsNames, List<InetAddress> addresses) {
        this.dnsNames = List.copyOf(dnsNames);
        this.addresses = List.copyOf(addresses);
    }

    /**
     * Sorts hosts into DNS names (lower-cased) and IP addresses, dropping duplicates.
     *
     * @throws IllegalArgumentException naming the first host that is neither
     */
    static SubjectNames of(List<String> hosts) {
        if (hosts == null || hosts.isEmpty()) {
            throw new IllegalArgumentException("at least one host name or IP address is required");
        }
        Set<String> dns = new LinkedHashSet<>();
        Set<InetAddress> ips = new LinkedHashSet<>();
        for (String raw : hosts) {
            String host = raw == null ? "" : raw.trim();
            String unbracketed = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (IPAddress.isValid(unbracketed)) {
                ips.add(literal(unbracketed));
                continue;
            }
            String name = host.toLowerCase(Locale.ROOT);
            if (name.endsWith(".")) {
                name = name.substring(0, name.length() - 1);
            }
            if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + raw + "' is neither a host name nor an IP address");
            }
            dns.add(name);
        }
        return new SubjectNames(new ArrayList<>(dns), new ArrayList<>(ips));
    }

    List<String> dnsNames() {
        return dnsNames;
    }

    List<InetAddress> addresses() {
        return addresses;
    }

    /** A subject common name for humans; clients verify the subjectAltName entries, never this. */
    String commonName() {
        return dnsNames.stream().filter(n -> n.length() <= 64).findFirst().orElse("Auriga server");
    }

    GeneralNames toGeneralNames() {
        List<GeneralName> names = new ArrayList<>();
        for (String dns : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, dns));
        }
        for (InetAddress address : addresses) {
            names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress())));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    /** Whether the certificate's subjectAltName lists every one of these names (it may list more). */
    boolean coveredBy(X509Certificate certificate) {
        Set<String> certDns = new LinkedHashSet<>();
        Set<InetAddress> certIps = new LinkedHashSet<>();
        try {
            Collection<List<?>> entries = certificate.getSubjectAlternativeNames();
            if (entries == null) {
                return false;
            }
            for (List<?> entry : entries) {
                int type = (Integer) entry.get(0);
                String value = String.valueOf(entry.get(1));
                if (type == SAN_DNS) {
                    certDns.add(value.toLowerCase(Locale.ROOT));
                } else if (type == SAN_IP && IPAddress.isValid(value)) {
                    certIps.add(literal(value));
                }
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        return certDns.containsAll(dnsNames) && certIps.containsAll(addresses);
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>(dnsNames);
        addresses.forEach(a -> all.add(a.getHostAddress()));
        return String.join(", ", all);
    }

    /** Parses an address already validated as a literal, so no name lookup can happen. */
    private static InetAddress literal(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address", e);
        }
    }
}
