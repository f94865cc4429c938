package io.schemaguard.runner.storage;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/** The few operations backups need from a bucket or directory. Keys are relative to the location. */
public interface ObjectStore extends AutoCloseable {

    StorageLocation location();

    /** Fails fast with a classified error when the store cannot be written (wrong credentials, no bucket, ...). */
    void checkAccess();

    UploadSink openUpload(String key);

    void put(String key, byte[] content, String contentType);

    InputStream open(String key);

    List<StoredObject> list(String keyPrefix);

    void delete(String key);

    /**
     * Uploads under a key prefix that were started and never finished or aborted, by a runner that was
     * killed: S3 multipart uploads (invisible to {@link #list} and billed), a file store's hidden
     * {@code .partial} files. None of them is a backup; an upload still under way is one too, so callers
     * leave young ones alone.
     */
    List<UnfinishedUpload> unfinished(String keyPrefix);

    /** Aborts an unfinished upload (its parts or partial file are removed); gone already is fine. */
    void abandon(UnfinishedUpload upload);

    /** @param id the S3 upload id, or the partial file's name in a file store */
    record UnfinishedUpload(String key, String id, Instant started) {}

    @Override
    void close();

    static ObjectStore open(StorageLocation location, StoreSettings settings) {
        return switch (location.scheme()) {
            case "s3" -> new S3ObjectStore(location, settings);
            case "azure" -> new AzureBlobObjectStore(location, settings);
            case "gs" -> new GcsObjectStore(location, settings);
            case "file" -> new FileObjectStore(location);
            default -> throw new IllegalArgumentException("storage '" + location + "' is not supported by this runner");
        };
    }
}
