package io.auriga.config;

/** One database server. Its role is never configured: the monitor observes it. */
public record InstanceConfig(String name, String host, int port, int promotionTier, boolean noFailover) {

    public String address() {
        return host + ":" + port;
    }
}
