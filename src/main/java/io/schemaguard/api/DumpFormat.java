package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** pg_dump's output formats, spelled as pg_dump's --format spells them. */
public enum DumpFormat {
    @JsonProperty("custom")
    CUSTOM("custom", "pgdump"),
    @JsonProperty("plain")
    PLAIN("plain", "sql"),
    @JsonProperty("directory")
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
