package io.auriga.config;

/** The admin HTTP listener ({@code /health}, {@code /topology}, {@code /metrics}); port 0 disables it. */
public record AdminConfig(String host, int port) {

    public static AdminConfig defaults() {
        return new AdminConfig("127.0.0.1", 6480);
    }
}
