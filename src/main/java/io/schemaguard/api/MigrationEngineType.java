package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How migrations are applied: Flyway's Java API, a Prisma migrations directory, or the user's own command. */
public enum MigrationEngineType {
    @JsonProperty("flyway")
    flyway,
    @JsonProperty("prisma")
    prisma,
    @JsonProperty("command")
    command
}
