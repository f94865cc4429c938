package io.schemaguard.runner;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.storage.StorageException;

/** A failure with a reason and a one-line message meant for the user. */
public class RunnerException extends RuntimeException {
    private final FailureReason reason;
    private RunnerResult partial;

    public RunnerException(FailureReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public RunnerException(FailureReason reason, String message) {
        this(reason, message, null);
    }

    public FailureReason reason() {
        return reason;
    }

    /** What the command had established before it failed (e.g. the migrations it applied). */
    public RunnerException withPartial(RunnerResult partial) {
        this.partial = partial;
        return this;
    }

    public RunnerResult partial() {
        return partial;
    }

    public static RunnerException from(StorageException e) {
        FailureReason reason = switch (e.kind()) {
            case UNREACHABLE -> FailureReason.StorageUnreachable;
            case ACCESS_DENIED -> FailureReason.StorageAccessDenied;
            case BUCKET_NOT_FOUND -> FailureReason.BucketNotFound;
            case OBJECT_NOT_FOUND -> FailureReason.BackupNotFound;
            case FULL -> FailureReason.StorageFull;
            case UNSUPPORTED -> FailureReason.StorageUnsupported;
            case OTHER -> FailureReason.StorageError;
        };
        return new RunnerException(reason, e.getMessage(), e);
    }
}
