package io.schemaguard.runner.storage;

/** A storage failure, classified so that callers can tell the user what to fix. */
public class StorageException extends RuntimeException {

    public enum Kind {
        UNREACHABLE,
        ACCESS_DENIED,
        BUCKET_NOT_FOUND,
        OBJECT_NOT_FOUND,
        FULL,
        /** The server does not implement what was asked (S3 NotImplemented): a setting to change, not a retry. */
        UNSUPPORTED,
        OTHER
    }

    private final Kind kind;

    public StorageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public StorageException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
