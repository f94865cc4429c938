package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * pg_dump's output formats: CamelCase in the API ({@code Custom}; the lowercase spelling of earlier v1alpha1
 * builds is still read), {@link #pgDumpName()} as pg_dump's --format and the manifest spell them.
 */
public enum DumpFormat {
    @JsonProperty("Custom")
    @JsonAlias("custom")
    CUSTOM("custom", "pgdump"),
    @JsonProperty("Plain")
    @JsonAlias("plain")
    PLAIN("plain", "sql"),
    @JsonProperty("Directory")
    @JsonAlias("directory")
    DIRECTORY("directory", "tar");

    private final String pgDumpName;
    private final String extension;

    DumpFormat(String pgDumpName, String extension) {
        this.pgDumpName = pgDumpName;
        this.extension = extension;
    }

    public String pgDumpName() {
        return pgDumpName;
    }

    /** File extension of the dump before compression (a directory dump is stored as a tar stream). */
    public String extension() {
        return extension;
    }

    public static DumpFormat parse(String value) {
        for (DumpFormat f : values()) {
            if (f.pgDumpName.equalsIgnoreCase(value)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + value + "' (custom, plain, directory)");
    }
}
