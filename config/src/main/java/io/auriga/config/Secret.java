package io.auriga.config;

/**
 * A resolved secret. {@link #toString()} never shows the value, so a secret cannot leak into
 * a log line by accident; {@link #source()} says where it came from ("env APP_PASSWORD").
 */
public final class Secret {
    private final String value;
    private final String source;

    public Secret(String value, String source) {
        this.value = value;
        this.source = source;
    }

    public String reveal() {
        return value;
    }

    public String source() {
        return source;
    }

    /** Equal when both the value and where it came from are: a configuration read twice compares equal. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s && java.util.Objects.equals(value, s.value)
                && java.util.Objects.equals(source, s.source);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(source);
    }

    @Override
    public String toString() {
        return "Secret[" + source + "]";
    }
}
