package io.schemaguard.runner.storage;

/**
 * Client settings for an S3-compatible store. Credentials are never here: the AWS SDK reads them from
 * the standard environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, web identity, ...).
 *
 * @param partSize multipart part size in bytes; memory use is about {@code partSize * (uploadConcurrency + 1)}
 */
public record S3Settings(String endpoint, String region, boolean pathStyle, int partSize, int uploadConcurrency) {

    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    public static final int DEFAULT_PART_SIZE = 16 * 1024 * 1024;

    public S3Settings {
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
    }

    public static S3Settings defaults() {
        return new S3Settings(null, null, false, DEFAULT_PART_SIZE, 2);
    }
}
