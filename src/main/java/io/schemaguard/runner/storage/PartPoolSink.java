package io.schemaguard.runner.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams into an object in parts (S3 multipart parts, Azure blocks) with a fixed pool of part
 * buffers, so memory stays at {@code partSize * (concurrency + 1)} whatever the size of the dump. An
 * object smaller than one part is sent whole. Nothing is visible before {@link #commit()}. Subclasses
 * speak one vendor's API; failures reach here already classified as {@link StorageException}s.
 *
 * @param <P> what the store returns for an uploaded part and needs back to complete the object
 */
abstract class PartPoolSink<P> extends UploadSink {

    protected final String key;
    private final int partSize;
    private final int maxBuffers;
    private final BlockingQueue<byte[]> freeBuffers;
    private final ExecutorService uploader;
    private final List<Future<P>> parts = new ArrayList<>();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    private int allocatedBuffers;
    private byte[] current;
    private int position;
    private long total;
    private boolean started;
    private boolean finished;

    PartPoolSink(String key, StoreSettings settings, String threadName) {
        this.key = key;
        this.partSize = settings.partSize();
        int concurrency = settings.uploadConcurrency();
        this.maxBuffers = concurrency + 1;
        this.freeBuffers = new ArrayBlockingQueue<>(maxBuffers);
        this.uploader = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        this.current = allocate();
    }

    /** Sends an object smaller than one part in one request. */
    protected abstract void putWhole(byte[] body, int length);

    /** Called once, before the first part (S3 starts its multipart upload here). */
    protected abstract void begin();

    /** Uploads part {@code number} (from 1); runs on the uploader threads. */
    protected abstract P uploadPart(int number, byte[] buffer, int length);

    /** Makes the object from its parts, in order. */
    protected abstract void complete(List<P> parts);

    /** Discards the parts sent so far, best effort (only called after {@link #begin()}). */
    protected abstract void discard();

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
            if (!started) {
                putWhole(current, position);
            } else {
                if (position > 0) {
                    submitPart(current, position);
                    current = null;
                }
                List<P> completed = new ArrayList<>();
                for (Future<P> f : parts) {
                    completed.add(f.get());
                }
                complete(completed);
            }
            return new StoredObject(key, total, Instant.now(), Math.max(1, parts.size()));
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
        if (started) {
            started = false;
            discard();
        }
    }

    @Override
    public void close() {
        if (!finished) {
            abort();
        }
    }

    private void sendCurrentPart() throws IOException {
        if (!started) {
            begin();
            started = true;
        }
        submitPart(current, position);
        current = nextBuffer();
        position = 0;
    }

    private void submitPart(byte[] buffer, int length) {
        int partNumber = parts.size() + 1;
        parts.add(uploader.submit(() -> {
            try {
                return uploadPart(partNumber, buffer, length);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                throw e;
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
