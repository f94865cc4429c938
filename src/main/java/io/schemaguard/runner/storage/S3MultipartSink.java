package io.schemaguard.runner.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Streams into an S3 multipart upload with a fixed pool of part buffers, so memory stays at
 * {@code partSize * (concurrency + 1)} whatever the size of the dump. An object smaller than one part
 * is sent with a single PUT. Nothing is visible in the bucket before {@link #commit()}.
 */
final class S3MultipartSink extends UploadSink {

    private final S3ObjectStore store;
    private final String key;
    private final String fullKey;
    private final int partSize;
    private final int maxBuffers;
    private final BlockingQueue<byte[]> freeBuffers;
    private final ExecutorService uploader;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    private int allocatedBuffers;
    private byte[] current;
    private int position;
    private long total;
    private String uploadId;
    private boolean finished;

    S3MultipartSink(S3ObjectStore store, String key) {
        this.store = store;
        this.key = key;
        this.fullKey = store.location().fullKey(key);
        this.partSize = store.settings().partSize();
        int concurrency = store.settings().uploadConcurrency();
        this.maxBuffers = concurrency + 1;
        this.freeBuffers = new ArrayBlockingQueue<>(maxBuffers);
        this.uploader = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "s3-part-upload");
            t.setDaemon(true);
            return t;
        });
        this.current = allocate();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        while (len > 0) {
            int n = Math.min(len, partSize - position);
            System.arraycopy(b, off, current, position, n);
            position += n;
            total += n;
            off += n;
            len -= n;
            if (position == partSize) {
                sendCurrentPart();
            }
        }
    }

    @Override
    public StoredObject commit() {
        try {
            ensureOpenUnchecked();
            finished = true;
            if (uploadId == null) {
                byte[] body = current;
                int length = position;
                store.client()
                        .putObject(
                                r -> r.bucket(store.location().bucket())
                                        .key(fullKey)
                                        .checksumAlgorithm(ChecksumAlgorithm.CRC32),
                                RequestBody.fromContentProvider(
                                        () -> new ByteArrayInputStream(body, 0, length),
                                        length,
                                        "application/octet-stream"));
            } else {
                if (position > 0) {
                    submitPart(current, position);
                    current = null;
                }
                List<CompletedPart> completed = new ArrayList<>();
                for (Future<CompletedPart> f : parts) {
                    completed.add(f.get());
                }
                completed.sort(Comparator.comparing(CompletedPart::partNumber));
                store.client()
                        .completeMultipartUpload(r -> r.bucket(store.location().bucket())
                                .key(fullKey)
                                .uploadId(uploadId)
                                .multipartUpload(m -> m.parts(completed)));
            }
            return new StoredObject(key, total, Instant.now(), Math.max(1, parts.size()));
        } catch (SdkException e) {
            abort();
            throw store.classify(e, "upload " + store.location().url(key));
        } catch (ExecutionException e) {
            abort();
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new StorageException(StorageException.Kind.OTHER, "upload interrupted", e);
        } catch (RuntimeException e) {
            abort();
            throw e;
        } finally {
            uploader.shutdownNow();
        }
    }

    @Override
    public void abort() {
        finished = true;
        uploader.shutdownNow();
        if (uploadId != null) {
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

    @Override
    public void close() {
        if (!finished) {
            abort();
        }
    }

    private void sendCurrentPart() throws IOException {
        if (uploadId == null) {
            try {
                uploadId = store.client()
                        .createMultipartUpload(r -> r.bucket(store.location().bucket())
                                .key(fullKey)
                                .contentType("application/octet-stream")
                                .checksumAlgorithm(ChecksumAlgorithm.CRC32))
                        .uploadId();
            } catch (SdkException e) {
                throw store.classify(e, "start upload of " + store.location().url(key));
            }
        }
        submitPart(current, position);
        current = nextBuffer();
        position = 0;
    }

    private void submitPart(byte[] buffer, int length) {
        int partNumber = parts.size() + 1;
        String id = uploadId;
        parts.add(uploader.submit(() -> {
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
                StorageException classified = store.classify(
                        e,
                        "upload part " + partNumber + " of " + store.location().url(key));
                failure.compareAndSet(null, classified);
                throw classified;
            } finally {
                freeBuffers.offer(buffer);
            }
        }));
    }

    private byte[] nextBuffer() throws IOException {
        byte[] b = freeBuffers.poll();
        if (b != null) {
            return b;
        }
        if (allocatedBuffers < maxBuffers) {
            return allocate();
        }
        try {
            b = freeBuffers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a part upload");
        }
        throwIfFailed();
        return b;
    }

    private byte[] allocate() {
        allocatedBuffers++;
        return new byte[partSize];
    }

    private void ensureOpen() throws IOException {
        if (finished) {
            throw new IOException("upload of " + key + " is already finished");
        }
        throwIfFailed();
    }

    private void ensureOpenUnchecked() {
        if (finished) {
            throw new IllegalStateException("upload of " + key + " is already finished");
        }
        throwIfFailed();
    }

    private void throwIfFailed() {
        RuntimeException f = failure.get();
        if (f != null) {
            throw f;
        }
    }

    private static RuntimeException unwrap(ExecutionException e) {
        return e.getCause() instanceof RuntimeException r
                ? r
                : new StorageException(StorageException.Kind.OTHER, String.valueOf(e.getCause()), e.getCause());
    }
}
