package io.schemaguard.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The commit marker of a backup, stored beside the dump. A dump without a manifest is incomplete,
 * whatever its size.
 *
 * @param dumpObject file name of the dump inside the backup's folder
 * @param sizeBytes bytes of the stored (compressed) object, as hashed by {@code sha256}
 * @param rawSizeBytes bytes pg_dump produced before compression
 * @param tables per-table row estimates from pg_class at dump time
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupManifest(
        int schemaVersion,
        String backupId,
        String namespace,
        String database,
        String server,
        String format,
        String compression,
        Integer compressionLevel,
        String dumpObject,
        long sizeBytes,
        long rawSizeBytes,
        String sha256,
        String serverVersion,
        String pgDumpVersion,
        Instant startedAt,
        Instant finishedAt,
        double durationSeconds,
        String createdBy,
        List<TableRows> tables) {

    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** Rows of one table; {@code rowEstimate} is pg_class.reltuples, -1 when never analyzed. */
    public record TableRows(String schema, String name, long rowEstimate) {
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BackupManifest fromJson(byte[] json) {
        try {
            return JSON.readValue(json, BackupManifest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("manifest is not valid JSON: " + S3ObjectStore.firstLine(e.getMessage()), e);
        }
    }
}
