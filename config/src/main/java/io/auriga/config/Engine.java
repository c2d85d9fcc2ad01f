package io.auriga.config;

/** The database engine of a cluster; the wire protocol its endpoints speak follows from it. */
public enum Engine {
    POSTGRES("postgres"),
    MYSQL("mysql");

    private final String configName;

    Engine(String configName) {
        this.configName = configName;
    }

    /** The word used in the YAML file and in the admin API. */
    public String configName() {
        return configName;
    }
}
