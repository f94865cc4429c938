package io.schemaguard.runner.storage;

import java.io.ByteArrayInputStream;
import java.util.Comparator;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/** An S3 multipart upload fed from the part pool; an object smaller than one part is a single PUT. */
final class S3MultipartSink extends PartPoolSink<CompletedPart> {

    private final S3ObjectStore store;
    private final String fullKey;
    private String uploadId;

    S3MultipartSink(S3ObjectStore store, String key) {
        super(key, store.settings(), "s3-part-upload");
        this.store = store;
        this.fullKey = store.location().fullKey(key);
    }

    @Override
    protected void putWhole(byte[] body, int length) {
        try {
            store.client()
                    .putObject(
                            r -> r.bucket(store.location().bucket())
                                    .key(fullKey)
                                    .checksumAlgorithm(ChecksumAlgorithm.CRC32)
                                    .serverSideEncryption(store.settings().serverSideEncryption())
                                    .ssekmsKeyId(store.settings().kmsKeyId()),
                            RequestBody.fromContentProvider(
                                    () -> new ByteArrayInputStream(body, 0, length),
                                    length,
                                    "application/octet-stream"));
        } catch (SdkException e) {
            throw store.classify(e, "upload " + store.location().url(key));
        }
    }

    @Override
    protected void begin() {
        try {
            uploadId = store.client()
                    .createMultipartUpload(r -> r.bucket(store.location().bucket())
                            .key(fullKey)
                            .contentType("application/octet-stream")
                            .checksumAlgorithm(ChecksumAlgorithm.CRC32)
                            .serverSideEncryption(store.settings().serverSideEncryption())
                            .ssekmsKeyId(store.settings().kmsKeyId()))
                    .uploadId();
        } catch (SdkException e) {
            throw store.classify(e, "start upload of " + store.location().url(key));
        }
    }

    @Override
    protected CompletedPart uploadPart(int partNumber, byte[] buffer, int length) {
        String id = uploadId;
        try {
            UploadPartResponse response = store.client()
                    .uploadPart(
                            r -> r.bucket(store.location().bucket())
                                    .key(fullKey)
                                    .uploadId(id)
                                    .partNumber(partNumber)
                                    .contentLength((long) length)
                                    .checksumAlgorithm(ChecksumAlgorithm.CRC32),
                            RequestBody.fromContentProvider(
                                    () -> new ByteArrayInputStream(buffer, 0, length),
                                    length,
                                    "application/octet-stream"));
            return CompletedPart.builder()
                    .partNumber(partNumber)
                    .eTag(response.eTag())
                    .checksumCRC32(response.checksumCRC32())
                    .build();
        } catch (SdkException e) {
            throw store.classify(
                    e, "upload part " + partNumber + " of " + store.location().url(key));
        }
    }

    @Override
    protected void complete(List<CompletedPart> parts) {
        List<CompletedPart> sorted = parts.stream()
                .sorted(Comparator.comparing(CompletedPart::partNumber))
                .toList();
        try {
            store.client()
                    .completeMultipartUpload(r -> r.bucket(store.location().bucket())
                            .key(fullKey)
                            .uploadId(uploadId)
                            .multipartUpload(m -> m.parts(sorted)));
        } catch (SdkException e) {
            throw store.classify(e, "upload " + store.location().url(key));
        }
    }

    @Override
    protected void discard() {
        String id = uploadId;
        uploadId = null;
        try {
            store.client()
                    .abortMultipartUpload(r ->
                            r.bucket(store.location().bucket()).key(fullKey).uploadId(id));
        } catch (SdkException e) {
            // The bucket's lifecycle rule for incomplete uploads is the backstop; the parts are
            // invisible to readers either way because no object was completed.
            System.err.println("warning: could not abort multipart upload " + id + " of " + fullKey + ": "
                    + S3ObjectStore.firstLine(e.getMessage()));
        }
    }
}
