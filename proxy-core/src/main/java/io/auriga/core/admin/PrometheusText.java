package io.auriga.core.admin;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): per metric family one
 * {@code # HELP} and one {@code # TYPE} line, then its samples, with label values and help text
 * escaped as the format requires.
 */
final class PrometheusText {
    /** The Content-Type scrapers expect for this format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    /** Starts a metric family; its samples must follow before the next family starts. */
    PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /**
     * One sample.
     *
     * @param labels alternating label names and values: {@code "cluster", "main", "endpoint", "writer"}
     */
    PrometheusText sample(String name, String value, String... labels) {
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels[i]).append("=\"").append(escapeLabelValue(labels[i + 1])).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
        return this;
    }

    PrometheusText sample(String name, long value, String... labels) {
        return sample(name, Long.toString(value), labels);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escapeLabelValue(String value) {
        return escape(value, true);
    }

    /** Help text escapes backslash and line feed only. */
    static String escapeHelp(String help) {
        return escape(help, false);
    }

    private static String escape(String value, boolean quotes) {
        String text = value == null ? "" : value;
        StringBuilder escaped = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '"' -> quotes ? "\\\"" : null;
                default -> null;
            };
            if (replacement != null && escaped == null) {
                escaped = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (escaped != null) {
                if (replacement != null) {
                    escaped.append(replacement);
                } else {
                    escaped.append(c);
                }
            }
        }
        return escaped == null ? text : escaped.toString();
    }
}
