package io.schemaguard.runner.cli;

import io.schemaguard.runner.crypto.BackupCipher;
import io.schemaguard.runner.storage.ObjectStore;
import io.schemaguard.runner.storage.StorageLocation;
import io.schemaguard.runner.storage.StoreSettings;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options shared by every command that talks to storage. Credentials come only from the environment. */
final class StorageOptions {

    /** An allowance for what the runner holds beside the part pool (compression, the S3 SDK, the JDBC driver). */
    private static final long HEAP_BESIDE_PARTS = 32L * 1024 * 1024;

    @Option(
            names = "--endpoint",
            paramLabel = "URL",
            defaultValue = "${env:AWS_ENDPOINT_URL_S3:-${env:AWS_ENDPOINT_URL}}",
            description =
                    "S3 endpoint for S3-compatible stores (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, or AWS)")
    String endpoint;

    @Option(names = "--region", paramLabel = "REGION", description = "S3 region (default: $AWS_REGION or us-east-1)")
    String region;

    @Option(
            names = "--path-style",
            negatable = true,
            defaultValue = "${env:SCHEMAGUARD_S3_PATH_STYLE:-false}",
            description = "Use path-style S3 addressing (MinIO, Ceph and most S3-compatible stores need it)")
    boolean pathStyle;

    @Option(
            names = "--part-size",
            paramLabel = "SIZE",
            defaultValue = "16MiB",
            converter = ByteSizeConverter.class,
            description =
                    "Multipart part size (>= 5MiB; memory is about part size x (concurrency + 1)); default ${DEFAULT-VALUE}")
    int partSize;

    @Option(
            names = "--upload-concurrency",
            paramLabel = "N",
            defaultValue = "2",
            description = "Parts uploaded in parallel; default ${DEFAULT-VALUE}")
    int uploadConcurrency;

    @Option(
            names = "--sse",
            paramLabel = "AES256|aws:kms",
            defaultValue = "${env:SCHEMAGUARD_S3_SSE}",
            description = "S3 server-side encryption of what the runner writes: AES256 (SSE-S3) or aws:kms (SSE-KMS)")
    String sse;

    @Option(
            names = "--sse-kms-key-id",
            paramLabel = "KEY",
            defaultValue = "${env:SCHEMAGUARD_S3_SSE_KMS_KEY_ID}",
            description = "With --sse aws:kms: the KMS key (id, ARN or alias); default: the account's AWS managed key")
    String sseKmsKeyId;

    ObjectStore open(String location) {
        // The part pool is allocated up front: refuse a size the heap cannot hold before anything starts,
        // rather than die of OutOfMemoryError half-way with nothing on stderr.
        long pool = (long) partSize * (uploadConcurrency + 1);
        long heap = Runtime.getRuntime().maxMemory();
        if (uploadConcurrency < 1) {
            throw new IllegalArgumentException("--upload-concurrency must be at least 1, got " + uploadConcurrency);
        }
        long room = heap - HEAP_BESIDE_PARTS;
        if (pool > room) {
            throw new IllegalArgumentException("--part-size " + partSize / (1024 * 1024)
                    + "MiB x (--upload-concurrency "
                    + uploadConcurrency + " + 1) needs " + pool / (1024 * 1024) + " MiB of buffers, more than the "
                    + Math.max(0, room / (1024 * 1024)) + " MiB this JVM's " + heap / (1024 * 1024) + " MiB heap leaves"
                    + " beside the rest of the runner: use smaller parts, or give the runner more memory");
        }
        return ObjectStore.open(
                StorageLocation.parse(location),
                new StoreSettings(
                        blankToNull(endpoint),
                        blankToNull(region),
                        pathStyle,
                        partSize,
                        uploadConcurrency,
                        blankToNull(sse),
                        blankToNull(sseKmsKeyId)));
    }

    /**
     * The client-side encryption key of this run, from {@code SCHEMAGUARD_ENCRYPTION_KEY} (a Secret's key,
     * by secretKeyRef): backups are encrypted with it, encrypted backups decrypted with it.
     */
    Optional<BackupCipher> cipher() {
        return BackupCipher.fromEnvironment(System.getenv());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
