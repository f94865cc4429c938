package io.schemaguard.runner;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/** Small stream helpers of the pipeline. */
public final class Streams {
    public static final int BUFFER = 1 << 20;

    private Streams() {}

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    /** Counts bytes passing through into {@code counter}; {@link #close()} does not close the target. */
    public static OutputStream countingUnclosable(OutputStream target, AtomicLong counter) {
        return new FilterOutputStream(target) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                counter.incrementAndGet();
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                counter.addAndGet(len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }

    /** Counts the bytes read through it, however they are read. */
    public static InputStream counting(InputStream in, AtomicLong counter) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    counter.incrementAndGet();
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    counter.addAndGet(n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long skipped = super.skip(n);
                counter.addAndGet(skipped);
                return skipped;
            }
        };
    }

    /** Copies everything, counting into {@code counter} as it goes; returns the byte count. */
    public static long copy(InputStream in, OutputStream out, AtomicLong counter) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            total += n;
            counter.addAndGet(n);
        }
        return total;
    }

    /** Reads a stream to its end, returning its SHA-256 and length. */
    public static Hashed hash(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[BUFFER];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            sha.update(buffer, 0, n);
            total += n;
        }
        return new Hashed(hex(sha.digest()), total);
    }

    /** Reads a stream to its end, discarding it; returns the length. */
    public static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
        }
        return total;
    }

    public record Hashed(String sha256, long size) {}
}
