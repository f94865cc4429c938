package io.schemaguard.runner.pipeline;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.schemaguard.api.CompressionAlgorithm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Compression streams (zstd through zstd-jni, gzip through the JDK). */
public final class Compressors {
    private static final int GZIP_BUFFER = 64 * 1024;

    private Compressors() {}

    /**
     * Wraps {@code out}; closing the returned stream finishes the compressed frame and closes {@code out}.
     *
     * @param threads zstd worker threads; 0 compresses on the calling thread
     */
    public static OutputStream compress(CompressionAlgorithm algorithm, int level, int threads, OutputStream out)
            throws IOException {
        return switch (algorithm) {
            case ZSTD -> {
                ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, level);
                z.setChecksum(true); // a frame checksum lets any reader detect corruption on decompression
                if (threads > 0) {
                    z.setWorkers(threads);
                }
                yield z;
            }
            case GZIP ->
                new GZIPOutputStream(out, GZIP_BUFFER) {
                    {
                        def.setLevel(level);
                    }
                };
            case NONE -> out;
        };
    }

    public static InputStream decompress(CompressionAlgorithm algorithm, InputStream in) throws IOException {
        return switch (algorithm) {
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
            case GZIP -> new GZIPInputStream(in, GZIP_BUFFER);
            case NONE -> in;
        };
    }
}
