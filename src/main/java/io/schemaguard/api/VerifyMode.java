package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a backup proves itself before it counts as Succeeded: {@code Checksum} reads the stored object
 * back and compares its SHA-256; {@code Restore} also restores it into a scratch database and
 * compares exact row counts and the schema with the source at dump time; {@code None} trusts the
 * upload's per-part checksums alone.
 */
public enum VerifyMode {
    @JsonProperty("None")
    None,
    @JsonProperty("Checksum")
    Checksum,
    @JsonProperty("Restore")
    Restore;

    public static VerifyMode parse(String value) {
        for (VerifyMode m : values()) {
            if (m.name().equalsIgnoreCase(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown verification '" + value + "' (none, checksum, restore)");
    }
}
