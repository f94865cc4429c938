package io.schemaguard.runner.storage;

import com.google.cloud.WriteChannel;
import com.google.cloud.storage.BlobInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A resumable upload fed from the part pool: the session starts with the first full part, each part
 * is one chunk of it, and the object exists only once the last chunk finalizes it in
 * {@link #complete}. A resumable session takes its chunks in order, so the pool has one uploader
 * thread: pg_dump fills the next part while the previous one is sent. The SDK retries a failed chunk
 * by asking the session how much it holds and sending the rest.
 */
final class GcsResumableSink extends PartPoolSink<Void> {

    private final GcsObjectStore store;
    private final BlobInfo blob;
    private WriteChannel channel;

    GcsResumableSink(GcsObjectStore store, String key) {
        super(key, store.chunkSettings(), "gcs-chunk-upload");
        this.store = store;
        this.blob = BlobInfo.newBuilder(
                        store.location().bucket(), store.location().fullKey(key))
                .setContentType("application/octet-stream")
                .build();
    }

    @Override
    protected void putWhole(byte[] body, int length) {
        try {
            store.client().create(blob, body, 0, length);
        } catch (RuntimeException e) {
            throw store.classify(e, "upload " + store.location().url(key), GcsObjectStore.On.BUCKET);
        }
    }

    @Override
    protected void begin() {
        try {
            channel = store.client().writer(blob);
            channel.setChunkSize(store.chunkSettings().partSize());
        } catch (RuntimeException e) {
            throw store.classify(e, "start upload of " + store.location().url(key), GcsObjectStore.On.BUCKET);
        }
    }

    @Override
    protected Void uploadPart(int number, byte[] buffer, int length) {
        try {
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, length);
            while (chunk.hasRemaining()) {
                channel.write(chunk);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            throw store.classify(
                    asRuntime(e),
                    "upload part " + number + " of " + store.location().url(key),
                    GcsObjectStore.On.BUCKET);
        }
    }

    @Override
    protected void complete(List<Void> parts) {
        try {
            channel.close(); // sends what the SDK still buffers and finalizes the object
        } catch (IOException | RuntimeException e) {
            throw store.classify(asRuntime(e), "upload " + store.location().url(key), GcsObjectStore.On.BUCKET);
        }
    }

    @Override
    protected void discard() {
        // Closing the channel would finalize the object with the parts sent so far, so it is dropped instead:
        // an unfinalized session is never listed or read, and the service forgets it a week after it began.
        channel = null;
    }

    private static RuntimeException asRuntime(Exception e) {
        return e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
    }
}
