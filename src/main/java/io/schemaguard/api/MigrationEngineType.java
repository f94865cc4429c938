package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How migrations are applied: Flyway's Java API, a Prisma migrations directory, or the user's own
 * command. CamelCase in the API like every enum of it (the lowercase spelling of earlier v1alpha1 builds
 * is still read); {@link #cliName()} is the runner's {@code --engine} value.
 */
public enum MigrationEngineType {
    @JsonProperty("Flyway")
    @JsonAlias("flyway")
    FLYWAY("flyway"),
    @JsonProperty("Prisma")
    @JsonAlias("prisma")
    PRISMA("prisma"),
    @JsonProperty("Command")
    @JsonAlias("command")
    COMMAND("command");

    private final String cliName;

    MigrationEngineType(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** The engine a runner's {@code --engine} names (any case), or IllegalArgumentException saying which exist. */
    public static MigrationEngineType parse(String value) {
        for (MigrationEngineType e : values()) {
            if (e.cliName.equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + value + "' (flyway, prisma, command)");
    }
}
