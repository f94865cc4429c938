package io.schemaguard.storage;

import java.io.InputStream;
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

    @Override
    void close();

    static ObjectStore open(StorageLocation location, S3Settings s3) {
        return location.isS3() ? new S3ObjectStore(location, s3) : new FileObjectStore(location);
    }
}
