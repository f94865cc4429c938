package io.schemaguard.runner.storage;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An object read from S3 that survives a connection broken mid-body: the SDK retries a request that
 * fails before its response, but a body cut after some megabytes ends the stream. This one asks
 * again for the rest (a ranged GET from the byte it reached, {@code If-Match} the first answer's
 * ETag so a replaced object is never spliced in), a few times with a short backoff. What was read
 * is still checked whole by the caller's SHA-256 against the manifest.
 */
final class ResumingS3Stream extends InputStream {
    static final int RESUMES = 3;

    private final S3ObjectStore store;
    private final String key;
    private final String etag;
    private final long length;
    private ResponseInputStream<GetObjectResponse> in;
    private long position;
    private int resumes;

    private ResumingS3Stream(S3ObjectStore store, String key, ResponseInputStream<GetObjectResponse> first) {
        this.store = store;
        this.key = key;
        this.in = first;
        this.etag = first.response().eTag();
        Long contentLength = first.response().contentLength();
        this.length = contentLength == null ? -1 : contentLength;
    }

    /** The first GET is made here, so a missing object or bucket fails at open, classified. */
    static InputStream open(S3ObjectStore store, String key) {
        try {
            return new ResumingS3Stream(
                    store, key, store.client().getObject(request(store, key).build()));
        } catch (SdkException e) {
            throw store.classify(e, "read " + store.location().url(key));
        }
    }

    private static GetObjectRequest.Builder request(S3ObjectStore store, String key) {
        return GetObjectRequest.builder()
                .bucket(store.location().bucket())
                .key(store.location().fullKey(key));
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            try {
                int n = in.read(b, off, len);
                if (n > 0) {
                    position += n;
                    return n;
                }
                if (n < 0 && length >= 0 && position < length) {
                    throw new IOException("the connection closed at byte " + position + " of " + length);
                }
                return n;
            } catch (IOException | SdkException e) {
                resume(e);
            }
        }
    }

    private void resume(Exception cause) throws IOException {
        String url = store.location().url(key);
        if (etag == null || length < 0 || ++resumes > RESUMES) {
            throw new IOException(
                    "reading " + url + " broke at byte " + position
                            + (resumes > RESUMES ? " after " + RESUMES + " resumed reads" : "") + ": "
                            + S3ObjectStore.firstLine(cause.getMessage()),
                    cause);
        }
        System.err.println(
                Instant.now().truncatedTo(ChronoUnit.SECONDS) + " storage: reading " + url + " broke at byte "
                        + position + " (" + S3ObjectStore.firstLine(cause.getMessage()) + "); resuming (" + resumes
                        + "/" + RESUMES
                        + ")");
        closeQuietly();
        try {
            Thread.sleep(250L * resumes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while resuming " + url, e);
        }
        try {
            in = store.client()
                    .getObject(request(store, key)
                            .range("bytes=" + position + "-")
                            .ifMatch(etag)
                            .build());
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw new IOException(url + " was replaced while it was being read (its ETag changed)", e);
            }
            StorageException classified = store.classify(e, "read " + url);
            throw new IOException(classified.getMessage(), classified);
        } catch (SdkException e) {
            StorageException classified = store.classify(e, "read " + url);
            throw new IOException(classified.getMessage(), classified);
        }
    }

    private void closeQuietly() {
        try {
            in.abort();
            in.close();
        } catch (IOException | RuntimeException e) {
            // the broken stream is dropped either way
        }
    }

    @Override
    public void close() throws IOException {
        // abort instead of draining: a caller closing early (a failed restore) must not read the rest
        if (length >= 0 && position < length) {
            in.abort();
        }
        in.close();
    }
}
