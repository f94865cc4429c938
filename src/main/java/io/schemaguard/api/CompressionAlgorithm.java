package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Compression applied by the runner to pg_dump's uncompressed output. The API spells it in CamelCase
 * like every enum of the API ({@code Zstd}); the lowercase spelling of earlier v1alpha1 builds is still read.
 * {@link #id()} is the spelling of the command line and of a backup's manifest, which never changes.
 */
public enum CompressionAlgorithm {
    @JsonProperty("Zstd")
    @JsonAlias("zstd")
    ZSTD("zstd", "zst", 3, 1, 19),
    @JsonProperty("Gzip")
    @JsonAlias("gzip")
    GZIP("gzip", "gz", 6, 1, 9),
    @JsonProperty("None")
    @JsonAlias("none")
    NONE("none", "", 0, 0, 0);

    private final String id;
    private final String extension;
    private final int defaultLevel;
    private final int minLevel;
    private final int maxLevel;

    CompressionAlgorithm(String id, String extension, int defaultLevel, int minLevel, int maxLevel) {
        this.id = id;
        this.extension = extension;
        this.defaultLevel = defaultLevel;
        this.minLevel = minLevel;
        this.maxLevel = maxLevel;
    }

    public String id() {
        return id;
    }

    public String extension() {
        return extension;
    }

    public int defaultLevel() {
        return defaultLevel;
    }

    public int checkLevel(Integer level) {
        if (level == null) {
            return defaultLevel;
        }
        if (this == NONE || level < minLevel || level > maxLevel) {
            throw new IllegalArgumentException(
                    this == NONE
                            ? "compression 'none' takes no level"
                            : id + " level must be between " + minLevel + " and " + maxLevel + ", got " + level);
        }
        return level;
    }

    public static CompressionAlgorithm parse(String value) {
        for (CompressionAlgorithm c : values()) {
            if (c.id.equalsIgnoreCase(value)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression '" + value + "' (zstd, gzip, none)");
    }
}
