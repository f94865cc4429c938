package io.schemaguard.runner.storage;

/**
 * Client settings for an object store (S3-compatible, Azure Blob Storage, Google Cloud Storage).
 * Credentials are never here: each vendor's SDK reads them from its standard environment
 * (AWS_ACCESS_KEY_ID, AZURE_STORAGE_CONNECTION_STRING, GOOGLE_APPLICATION_CREDENTIALS, workload identity).
 *
 * @param endpoint the service's URL when it is not the vendor's public one (MinIO, Azurite, an emulator)
 * @param region S3 only
 * @param pathStyle S3 only
 * @param partSize multipart part (S3), block (Azure) or resumable chunk (GCS, rounded down to 256 KiB) size
 *     in bytes; memory use is about {@code partSize * (uploadConcurrency + 1)} (GCS sends its chunks one at
 *     a time, in order, whatever the concurrency: two in the pool and one in the SDK at most)
 * @param serverSideEncryption S3 only: {@code AES256} (SSE-S3) or {@code aws:kms} (SSE-KMS), or null for
 *     the bucket's default
 * @param kmsKeyId S3 only, with {@code aws:kms}: the KMS key; null means the account's default key
 */
public record StoreSettings(
        String endpoint,
        String region,
        boolean pathStyle,
        int partSize,
        int uploadConcurrency,
        String serverSideEncryption,
        String kmsKeyId) {

    public static final String SSE_S3 = "AES256";
    public static final String SSE_KMS = "aws:kms";

    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    public static final int DEFAULT_PART_SIZE = 16 * 1024 * 1024;

    public StoreSettings {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("part size must be at least 5 MiB (S3's minimum), got " + partSize);
        }
        if (uploadConcurrency < 1) {
            throw new IllegalArgumentException("upload concurrency must be at least 1");
        }
        if (endpoint != null && !endpoint.isBlank() && !endpoint.matches("(?i)^https?://[^/\\s]+.*")) {
            // A wrong endpoint is a configuration error to fix, not a storage failure to retry.
            throw new IllegalArgumentException("storage endpoint '" + endpoint + "' is not an http:// or https:// URL");
        }
        if (serverSideEncryption != null
                && !SSE_S3.equals(serverSideEncryption)
                && !SSE_KMS.equals(serverSideEncryption)) {
            throw new IllegalArgumentException("server-side encryption '" + serverSideEncryption + "' is neither "
                    + SSE_S3 + " (SSE-S3) nor " + SSE_KMS + " (SSE-KMS)");
        }
        if (kmsKeyId != null && !SSE_KMS.equals(serverSideEncryption)) {
            throw new IllegalArgumentException("a KMS key id needs server-side encryption " + SSE_KMS);
        }
    }

    /** The settings of a store written with no server-side encryption of its own asking. */
    public StoreSettings(String endpoint, String region, boolean pathStyle, int partSize, int uploadConcurrency) {
        this(endpoint, region, pathStyle, partSize, uploadConcurrency, null, null);
    }

    public static StoreSettings defaults() {
        return new StoreSettings(null, null, false, DEFAULT_PART_SIZE, 2);
    }
}
