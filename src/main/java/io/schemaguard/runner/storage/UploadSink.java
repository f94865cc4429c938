package io.schemaguard.runner.storage;

import java.io.OutputStream;

/**
 * A stream into one object that becomes visible only on {@link #commit()}. {@link #abort()} leaves
 * nothing behind; closing without commit aborts.
 */
public abstract class UploadSink extends OutputStream {

    /** Makes the object visible; returns its stored size. */
    public abstract StoredObject commit();

    /** Discards everything written; safe to call more than once and after a failed commit. */
    public abstract void abort();

    /** Aborts unless committed; never throws. */
    @Override
    public abstract void close();
}
