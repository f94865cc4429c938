package io.schemaguard.runner.pipeline;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A stream that remembers the first failure to read it, so a caller can tell which side of a pipe
 * broke: storage or the decoder (the restore's one read), or the dump's source or pg_restore's stdin.
 */
final class FailureRecordingStream extends FilterInputStream {
    IOException failure;

    FailureRecordingStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
            throw e;
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return super.read(b, off, len);
        } catch (IOException e) {
            failure = failure == null ? e : failure;
            throw e;
        }
    }
}
