package io.schemaguard.runner.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * The commit marker of a backup, stored beside the dump. A dump without a manifest is incomplete,
 * whatever its size.
 *
 * @param dumpObject file name of the dump inside the backup's folder
 * @param sizeBytes bytes of the stored (compressed) object, as hashed by {@code sha256}
 * @param rawSizeBytes bytes pg_dump produced before compression
 * @param tables per-table rows at dump time: pg_class estimates, and exact counts from the dump's own
 *     snapshot when the backup asked for them
 * @param schemaFingerprint SHA-256 of the normalized schema-only dump taken in the dump's snapshot
 * @param roles roles that own objects or hold privileges in the dump; a restore target needs them
 * @param extensions extensions installed in the database; a restore target must offer them
 * @param verification the outcome of a verification by restore, when one ran
 * @param encryption how the dump object was encrypted on the client, when it was (never the key)
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
        List<TableRows> tables,
        String schemaFingerprint,
        List<String> roles,
        List<Extension> extensions,
        Verification verification,
        Encryption encryption) {

    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Rows of one table: {@code rowEstimate} is pg_class.reltuples (-1 when never analyzed);
     * {@code exactRows} is count(*) in the dump's snapshot, or null when not counted.
     */
    public record TableRows(String schema, String name, long rowEstimate, Long exactRows) {
        public TableRows withExactRows(Long rows) {
            return new TableRows(schema, name, rowEstimate, rows);
        }

        public String qualifiedName() {
            return schema + "." + name;
        }
    }

    public record Extension(String name, String version) {}

    /** Result of restoring the fresh dump into a scratch database and comparing it with the source. */
    public record Verification(String result, int tables, long rows, double durationSeconds, String message) {
        public static final String PASSED = "Passed";
        public static final String FAILED = "Failed";
    }

    /**
     * Client-side encryption of the dump object: {@code sha256} and {@code sizeBytes} are the ciphertext's
     * (so a checksum needs no key), {@code rawSizeBytes} the plaintext dump's.
     *
     * @param keyFingerprint names the key without revealing it, so a wrong key is refused before a read
     */
    public record Encryption(String algorithm, String keyFingerprint) {}

    /** The same manifest with a verification outcome. */
    public BackupManifest withVerification(Verification v) {
        return new BackupManifest(
                schemaVersion,
                backupId,
                namespace,
                database,
                server,
                format,
                compression,
                compressionLevel,
                dumpObject,
                sizeBytes,
                rawSizeBytes,
                sha256,
                serverVersion,
                pgDumpVersion,
                startedAt,
                finishedAt,
                durationSeconds,
                createdBy,
                tables,
                schemaFingerprint,
                roles,
                extensions,
                v,
                encryption);
    }

    public boolean hasExactCounts() {
        return tables != null && !tables.isEmpty() && tables.stream().allMatch(t -> t.exactRows() != null);
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
            throw new IllegalArgumentException(
                    "manifest is not valid JSON: " + S3ObjectStore.firstLine(e.getMessage()), e);
        }
    }
}
