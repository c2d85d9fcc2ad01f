package io.auriga.config;

/** The database engine of a cluster; the wire protocol its endpoints speak follows from it. */
public enum Engine {
    POSTGRES("postgres", 5432),
    MYSQL("mysql", 3306);

    private final String configName;
    private final int defaultPort;

    Engine(String configName, int defaultPort) {
        this.configName = configName;
        this.defaultPort = defaultPort;
    }

    /** The port the engine's servers listen on unless told otherwise; an instance without a port uses it. */
    public int defaultPort() {
        return defaultPort;
    }

    /** The word used in the YAML file and in the admin API. */
    public String configName() {
        return configName;
    }
}
